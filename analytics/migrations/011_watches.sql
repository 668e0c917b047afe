-- 011: case watches (docs/alerts.md; analytics/alerts/watches.ts). A row per version of a watch;
-- the highest version wins (ReplacingMergeTree, read with FINAL); `active = 0` retires it.
-- The alert engine loads the active ones into its in-memory index at start and every
-- `alerts.watches.reloadMs`.
CREATE TABLE IF NOT EXISTS case_watches
(
    id          String,
    version     UInt64,
    case_id     String,
    case_org    LowCardinality(String),
    kind        LowCardinality(String),
    pattern     String,
    mode        LowCardinality(String),
    upper       LowCardinality(String),
    lower       LowCardinality(String),
    area        LowCardinality(String),
    from_ms     Int64,
    to_ms       Int64,
    active      UInt8,
    created_by  String,
    updated     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
