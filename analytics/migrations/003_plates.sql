-- 003: plate structures, fed by materialized views on hits.
-- plate_sightings: every plate read, ordered by (plate, ts): exact plate and route lookups
-- read a granule or two per part instead of the whole hits table. Monthly partitions and
-- 1024-row granules: measured at 100M hits, daily partitions made one plate lookup touch 30
-- parts of 8192-row granules (plate exact p95 255 ms); TTL then deletes rows by merge.
CREATE TABLE IF NOT EXISTS plate_sightings
(
    plate         String,
    ts            DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    id            String CODEC(ZSTD(1)),
    camera        LowCardinality(String),
    district      LowCardinality(String),
    org_path      Array(LowCardinality(String)),
    color         LowCardinality(String),
    vehicle_type  LowCardinality(String),
    plate_score   Float32 CODEC(ZSTD(1)),
    direction     LowCardinality(String),
    snapshot      String CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (plate, ts)
TTL toDateTime(ts) + INTERVAL {{hitsDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 1024
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS plate_sightings_mv TO plate_sightings AS
SELECT plate, ts, id, camera, district, org_path, color, vehicle_type, plate_score, direction, snapshot
FROM hits
WHERE plate != ''
-- statement
-- plates: one row per distinct plate (a few million in a city month), with a text index of
-- 3-grams: substring and wildcard patterns with a literal run of ≥ 3 characters read only the
-- granules holding those 3-grams (docs/architecture.md#store measured 17× over ngrambf_v1; see
-- docs/analytics.md for this repo's figures). Fuzzy and short patterns scan this small table,
-- never hits.
CREATE TABLE IF NOT EXISTS plates
(
    plate    String,
    first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_ts  SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    n        SimpleAggregateFunction(sum, UInt64),
    INDEX plate_text plate TYPE text(tokenizer = ngrams(3))
)
ENGINE = AggregatingMergeTree
ORDER BY plate
TTL toDateTime(last_ts) + INTERVAL {{hitsDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 1024
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS plates_mv TO plates AS
SELECT plate, min(ts) AS first_ts, max(ts) AS last_ts, count() AS n
FROM hits
WHERE plate != ''
GROUP BY plate
