-- Params: {id:String}, {from:Int64}, {to:Int64}, {scope:Array(String)}
-- Returns: the hit with this id (HIT_COLUMNS shape) if it lies in the caller's jurisdiction, else nothing.
-- {from}/{to} bound ts from the ULID's time part (a hit's id is made when it is emitted, after it was
-- seen) so the time-first key and the id bloom filter prune; 0 and 2^62 when the id is not a ULID.
SELECT id, toUnixTimestamp64Milli(ts) AS ts_ms, gateway, camera, kind, type, label, score, box, track, zone, rule,
       duration_ms, color, upper_color, lower_color, color2, upper_color2, lower_color2, vehicle_type, plate, plate_score, direction, appearance, snapshot, snapshot_crop, frame, model
FROM hits
WHERE id = {id:String}
  AND toStartOfHour(ts) >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
  AND toStartOfHour(ts) <= toStartOfHour(fromUnixTimestamp64Milli({to:Int64}, 'UTC'))
  AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)}))
LIMIT 1
