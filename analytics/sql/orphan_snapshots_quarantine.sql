-- Params: {from:Int64}, {to:Int64}, {hitsTo:Int64}
-- Returns: nothing (INSERT … SELECT): snapshots received in [from, to) that no hit names as its snapshot or frame (hits up to
-- {hitsTo}, i.e. after the grace period) are copied into `quarantine` as INGEST_ORPHAN_SNAPSHOT,
-- with the first bytes of their base64 JPEG. The sweep deletes them from `snapshots` afterwards.
INSERT INTO quarantine (ts, gateway, topic, reason, detail, raw, raw_bytes)
SELECT now64(3), gateway, concat('xueliang/v1/gw/', gateway, '/snap/', id), 'INGEST_ORPHAN_SNAPSHOT',
       concat('no hit named snapshot ', id, ' within the grace period'), concat('base64:', substring(jpeg_base64, 1, 4096)), bytes
FROM snapshots
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND id NOT IN (
    SELECT arrayJoin([snapshot, frame]) AS named FROM hits
    WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') - INTERVAL 1 DAY
      AND ts < fromUnixTimestamp64Milli({hitsTo:Int64}, 'UTC') AND (snapshot != '' OR frame != ''))
