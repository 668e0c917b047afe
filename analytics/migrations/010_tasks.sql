-- 010: grid tasks (docs/architecture.md#alerts; analytics/tasks/model.ts).
-- task_events: append-only, one row per event; the state is the reducer's fold over them
-- (`replayTask`). `payload` is the event as JSON. Deduplicated inserts as in 001.
CREATE TABLE IF NOT EXISTS task_events
(
    task_id   String,
    version   UInt32,
    ts        DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    type      LowCardinality(String),
    by        String,
    org       LowCardinality(String),
    note      String CODEC(ZSTD(1)),
    payload   String CODEC(ZSTD(3))
)
ENGINE = MergeTree
ORDER BY (task_id, version)
SETTINGS non_replicated_deduplication_window = 10000
-- statement
-- tasks: the state after each event (a row per version); the highest version wins
-- (ReplacingMergeTree, read with FINAL). `org_path` is the grid's path from the city down, so
-- a jurisdiction filter is has(org_path, org); `state` is the whole Task as JSON.
CREATE TABLE IF NOT EXISTS tasks
(
    id           String,
    version      UInt32,
    status       LowCardinality(String),
    source_kind  LowCardinality(String),
    rule_id      LowCardinality(String),
    case_id      String,
    priority     LowCardinality(String),
    camera       LowCardinality(String),
    zone         LowCardinality(String),
    grid         LowCardinality(String),
    org_path     Array(LowCardinality(String)),
    org          LowCardinality(String),
    level        LowCardinality(String),
    disposition  LowCardinality(String),
    hit_count    UInt32,
    opened       DateTime64(3, 'UTC'),
    updated      DateTime64(3, 'UTC'),
    state        String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
SETTINGS non_replicated_deduplication_window = 10000
