-- Params: {sensors:Array(String)}, {metric:String}, {from:Int64}, {to:Int64}, {minute:UInt8}
-- Returns: one row per sensor and bucket from the rollups (1-minute when {minute} = 1, else
-- 1-hour): sensor, metric, unit, t_ms (bucket start, epoch ms), readings, v_min, v_max, v_avg, v_last;
-- ordered by sensor, t_ms. Buckets are whole: [from, to) is widened to whole buckets.
-- {metric} = '' selects every metric.
SELECT * FROM
(
    SELECT sensor, metric, any(unit) AS unit, toUnixTimestamp(bucket) * 1000 AS t_ms, sum(n) AS readings,
           min(vmin) AS v_min, max(vmax) AS v_max, sum(vsum) / sum(n) AS v_avg, argMaxMerge(last) AS v_last
    FROM sensor_readings_1m
    WHERE {minute:UInt8} = 1
      AND sensor IN {sensors:Array(String)}
      AND ({metric:String} = '' OR metric = {metric:String})
      AND bucket >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
      AND bucket < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
    GROUP BY sensor, metric, bucket
    UNION ALL
    SELECT sensor, metric, any(unit) AS unit, toUnixTimestamp(bucket) * 1000 AS t_ms, sum(n) AS readings,
           min(vmin) AS v_min, max(vmax) AS v_max, sum(vsum) / sum(n) AS v_avg, argMaxMerge(last) AS v_last
    FROM sensor_readings_1h
    WHERE {minute:UInt8} = 0
      AND sensor IN {sensors:Array(String)}
      AND ({metric:String} = '' OR metric = {metric:String})
      AND bucket >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
      AND bucket < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
    GROUP BY sensor, metric, bucket
)
ORDER BY sensor, metric, t_ms
