-- Params: {id:String}, {from:Int64}, {to:Int64}, {scope:Array(String)}
-- Returns: the snapshot's JPEG as base64 (jpeg_base64, as 002_snapshots stores it) and ts_ms, if it lies in the
-- caller's jurisdiction, else nothing. `snapshots` has no camera: a snapshot is in scope when a hit in scope
-- names it (as its snapshot or its frame) ({from}/{to} bound that hit's ts from the snapshot's ULID time; the
-- hits.snapshot bloom filter skips the rest), and that hit came from the gateway that published the snapshot:
-- a hit naming another gateway's snapshot id does not make it visible (docs/security.md) — to anyone, the
-- whole city ({scope} empty: admins, signed media links) included.
SELECT jpeg_base64, toUnixTimestamp64Milli(ts) AS ts_ms
FROM snapshots
WHERE id = {id:String}
  AND (id, gateway) IN (
        SELECT {id:String}, gateway FROM hits
        WHERE (snapshot = {id:String} OR frame = {id:String})
          AND toStartOfHour(ts) >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
          AND toStartOfHour(ts) <= toStartOfHour(fromUnixTimestamp64Milli({to:Int64}, 'UTC'))
          AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)})))
LIMIT 1
