-- 002: snapshots, the best frame of a track (docs/architecture.md#store), keyed by the id a hit's `snapshot`
-- names. The JPEG is kept base64-encoded: rows travel as JSONEachRow, whose strings are not
-- byte-safe; read it back with base64Decode(jpeg_base64). Deduplicated inserts need the window
-- setting on a non-replicated MergeTree (the ingest worker inserts with a job-id token).
CREATE TABLE IF NOT EXISTS snapshots
(
    id           String,
    gateway      LowCardinality(String),
    ts           DateTime64(3, 'UTC'),
    bytes        UInt32,
    jpeg_base64  String CODEC(ZSTD(1)),
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (id)
TTL toDateTime(ts) + INTERVAL {{snapshotsDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000
