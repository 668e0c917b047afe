-- 001: the first hits table and the quarantine table.
-- hits: one row per sighting or event (contract v1). Partitioned by day; ordered so that a
-- city-wide time-window search prunes by hour first (DESIGN §7: ~11× faster than camera-first
-- when the query bounds toStartOfHour(ts) too). Deduplicated inserts need the window setting
-- on a non-replicated MergeTree, or `insert_deduplication_token` is ignored.
CREATE TABLE IF NOT EXISTS hits
(
    id            String,
    ts            DateTime64(3, 'UTC'),
    gateway       LowCardinality(String),
    camera        LowCardinality(String),
    grid          LowCardinality(String),
    org_path      Array(LowCardinality(String)),
    kind          LowCardinality(String),
    type          LowCardinality(String),
    label         LowCardinality(String),
    score         Float32,
    box           Array(Float32),
    track         UInt32,
    zone          LowCardinality(String),
    rule          LowCardinality(String),
    duration_ms   UInt32,
    color         LowCardinality(String),
    upper_color   LowCardinality(String),
    lower_color   LowCardinality(String),
    vehicle_type  LowCardinality(String),
    plate         String,
    plate_score   Float32,
    direction     LowCardinality(String),
    appearance    String CODEC(ZSTD(3)),
    snapshot      String,
    model         LowCardinality(String),
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (toStartOfHour(ts), camera, ts)
TTL toDateTime(ts) + INTERVAL {{hitsDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000
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
