-- 004: hourly statistics, a SummingMergeTree fed by a materialized view on hits. Day totals
-- are sums of hours in the city's timezone (whole-hour offsets only). Retried inserts carry
-- the same dedup token; with `deduplicate_blocks_in_dependent_materialized_views = 1` the
-- view's block is deduplicated too, so a retry does not double-count (tested in
-- analytics/schema.int.test.ts).
CREATE TABLE IF NOT EXISTS stats_hourly
(
    hour      DateTime('UTC'),
    district  LowCardinality(String),
    camera    LowCardinality(String),
    kind      LowCardinality(String),
    type      LowCardinality(String),
    org_path  Array(LowCardinality(String)),
    n         UInt64
)
ENGINE = SummingMergeTree((n))
PARTITION BY toYYYYMM(hour)
ORDER BY (district, hour, camera, kind, type)
TTL hour + INTERVAL {{hitsDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS stats_hourly_mv TO stats_hourly AS
SELECT toStartOfHour(ts) AS hour, district, camera, kind, type, any(org_path) AS org_path, count() AS n
FROM hits
GROUP BY hour, district, camera, kind, type
