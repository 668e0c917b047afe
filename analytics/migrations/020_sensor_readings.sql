-- 020: sensor readings (docs/iot.md) and their 1-minute and 1-hour rollups.
-- sensor_readings: one row per reading, ordered (sensor, metric, ts) so a sensor's series is
-- one contiguous range. Retention is per sensor kind (city.yaml sensorKinds[].rawDays, …): the
-- writer puts the kind's days on each row and the TTL reads them, so one table serves every
-- kind. Monthly partitions: 10,000 sensors at one reading a minute are ~14M rows a day, and a
-- row TTL (not ttl_only_drop_parts) removes expired rows in merges. No org path per reading:
-- the API scopes series by the sensor's grid from city.yaml (a reading's place is its sensor's),
-- and every column costs on the hot INSERT path (bench/sensors.ts). Deduplicated inserts
-- (`insert_deduplication_token` = job id) as in 001; the view targets carry the window too,
-- and the writer sets deduplicate_blocks_in_dependent_materialized_views = 1 (ingest/jobs.ts)
-- so a retried job does not double-count a rollup (tested in analytics/sensors/store.int.test.ts).
CREATE TABLE IF NOT EXISTS sensor_readings
(
    sensor       LowCardinality(String),
    metric       LowCardinality(String),
    ts           DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    value        Float64 CODEC(Gorilla, ZSTD(1)),
    unit         LowCardinality(String),
    quality      LowCardinality(String),
    kind         LowCardinality(String),
    gateway      LowCardinality(String),
    grid         LowCardinality(String),
    raw_days     UInt16,
    minute_days  UInt16,
    hour_days    UInt16,
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (sensor, metric, ts)
TTL toDateTime(ts) + toIntervalDay(raw_days)
SETTINGS non_replicated_deduplication_window = 10000
-- statement
-- 1-minute rollup: min, max, sum and count (avg = sum / n), the last value by time and its time.
CREATE TABLE IF NOT EXISTS sensor_readings_1m
(
    sensor     LowCardinality(String),
    metric     LowCardinality(String),
    bucket     DateTime('UTC'),
    unit       SimpleAggregateFunction(any, LowCardinality(String)),
    n          SimpleAggregateFunction(sum, UInt64),
    vmin       SimpleAggregateFunction(min, Float64),
    vmax       SimpleAggregateFunction(max, Float64),
    vsum       SimpleAggregateFunction(sum, Float64),
    last       AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
    last_ts    SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    keep_days  SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (sensor, metric, bucket)
TTL bucket + toIntervalDay(keep_days)
SETTINGS non_replicated_deduplication_window = 10000
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS sensor_readings_1m_mv TO sensor_readings_1m AS
SELECT sensor, metric, toStartOfMinute(ts) AS bucket, any(unit) AS unit, count() AS n,
       min(value) AS vmin, max(value) AS vmax, sum(value) AS vsum, argMaxState(value, ts) AS last, max(ts) AS last_ts,
       max(minute_days) AS keep_days
FROM sensor_readings
GROUP BY sensor, metric, bucket
-- statement
-- 1-hour rollup, the same columns, kept longer (sensorKinds[].hourDays).
CREATE TABLE IF NOT EXISTS sensor_readings_1h
(
    sensor     LowCardinality(String),
    metric     LowCardinality(String),
    bucket     DateTime('UTC'),
    unit       SimpleAggregateFunction(any, LowCardinality(String)),
    n          SimpleAggregateFunction(sum, UInt64),
    vmin       SimpleAggregateFunction(min, Float64),
    vmax       SimpleAggregateFunction(max, Float64),
    vsum       SimpleAggregateFunction(sum, Float64),
    last       AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
    last_ts    SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    keep_days  SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYear(bucket)
ORDER BY (sensor, metric, bucket)
TTL bucket + toIntervalDay(keep_days)
SETTINGS non_replicated_deduplication_window = 10000
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS sensor_readings_1h_mv TO sensor_readings_1h AS
SELECT sensor, metric, toStartOfHour(ts) AS bucket, any(unit) AS unit, count() AS n,
       min(value) AS vmin, max(value) AS vmax, sum(value) AS vsum, argMaxState(value, ts) AS last, max(ts) AS last_ts,
       max(hour_days) AS keep_days
FROM sensor_readings
GROUP BY sensor, metric, bucket
