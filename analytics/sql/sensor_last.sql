-- Params: {sensors:Array(String)}, {since:Int64}
-- Returns: the newest reading of each (sensor, metric) measured since {since} (epoch ms), from
-- the 1-hour rollup: sensor, metric, unit, value, ts_ms; ordered by sensor, metric.
SELECT sensor, metric, any(unit) AS unit, argMax(v, t) AS value, toUnixTimestamp64Milli(max(t)) AS ts_ms
FROM
(
    SELECT sensor, metric, bucket, any(unit) AS unit, argMaxMerge(last) AS v, max(last_ts) AS t
    FROM sensor_readings_1h
    WHERE sensor IN {sensors:Array(String)}
      AND bucket >= toStartOfHour(fromUnixTimestamp64Milli({since:Int64}, 'UTC'))
    GROUP BY sensor, metric, bucket
)
GROUP BY sensor, metric
ORDER BY sensor, metric
