-- 001: hits and quarantine.
-- hits: one row per sighting or event (contract v1), with the camera's grid and org path
-- resolved at ingest. Partitioned by day (TTL drops whole days); ordered by
-- (toStartOfHour(ts), district, camera, ts): docs/architecture.md#store measured this ~11× faster than
-- (district, camera, ts) for city-wide hour searches when the query bounds toStartOfHour(ts)
-- too (every query in analytics/sql does). `district` is the second level of the org path
-- (city → county …), materialized so writers need not send it.
-- Deduplicated inserts (`insert_deduplication_token` = job id) need the window setting on a
-- non-replicated MergeTree; the MV targets in 003–005 carry it too.
CREATE TABLE IF NOT EXISTS hits
(
    id            String CODEC(ZSTD(1)),
    ts            DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    gateway       LowCardinality(String),
    camera        LowCardinality(String),
    grid          LowCardinality(String),
    org_path      Array(LowCardinality(String)),
    district      LowCardinality(String) MATERIALIZED org_path[2],
    kind          LowCardinality(String),
    type          LowCardinality(String),
    label         LowCardinality(String),
    score         Float32 CODEC(ZSTD(1)),
    box           Array(Float32) CODEC(ZSTD(1)),
    track         UInt32 CODEC(ZSTD(1)),
    zone          LowCardinality(String),
    rule          LowCardinality(String),
    duration_ms   UInt32 CODEC(ZSTD(1)),
    color         LowCardinality(String),
    upper_color   LowCardinality(String),
    lower_color   LowCardinality(String),
    vehicle_type  LowCardinality(String),
    plate         String CODEC(ZSTD(1)),
    plate_score   Float32 CODEC(ZSTD(1)),
    direction     LowCardinality(String),
    appearance    String CODEC(ZSTD(3)),
    snapshot      String CODEC(ZSTD(1)),
    model         LowCardinality(String),
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    -- Lookups by id (GET /hits/:id) cannot use the time-first key; the bloom filter skips
    -- granules that cannot hold the id (the route also bounds ts from the ULID's time part).
    INDEX id_bloom id TYPE bloom_filter(0.001) GRANULARITY 1,
    -- GET /snapshots/:id checks jurisdiction through the hit that names the snapshot.
    INDEX snapshot_bloom snapshot TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (toStartOfHour(ts), district, camera, ts)
TTL toDateTime(ts) + INTERVAL {{hitsDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1
-- statement
-- quarantine: messages and hits the ingest tier refused, with the reason and the raw bytes
-- (truncated), so nothing is silently lost.
CREATE TABLE IF NOT EXISTS quarantine
(
    ts        DateTime64(3, 'UTC') DEFAULT now64(3),
    gateway   LowCardinality(String),
    topic     String,
    reason    LowCardinality(String),
    detail    String,
    raw       String CODEC(ZSTD(3)),
    raw_bytes UInt32
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (ts)
TTL toDateTime(ts) + INTERVAL {{quarantineDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000
