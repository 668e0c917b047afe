-- Params: {cameras:Array(String)}, {from:Int64}, {to:Int64}, {at:Int64}, {limit:UInt32}
-- Returns: hits with a snapshot from {cameras} in [from, to] (epoch ms), nearest in time to {at}
-- first: id, camera, ts_ms, snapshot; at most {limit}. (Sensor tasks, analytics/sensors/fusion.ts.)
SELECT id, camera, toUnixTimestamp64Milli(ts) AS ts_ms, snapshot
FROM hits
WHERE toStartOfHour(ts) >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
  AND toStartOfHour(ts) <= toStartOfHour(fromUnixTimestamp64Milli({to:Int64}, 'UTC'))
  AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
  AND ts <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND camera IN {cameras:Array(String)}
  AND snapshot != ''
ORDER BY abs(toUnixTimestamp64Milli(ts) - {at:Int64}), id
LIMIT {limit:UInt32}
