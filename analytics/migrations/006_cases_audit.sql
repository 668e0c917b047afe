-- 006: cases and the audit log.
-- cases: every version of a case is a row; the current state is the highest version
-- (ReplacingMergeTree, read with FINAL). Sensitive searches name an open case.
CREATE TABLE IF NOT EXISTS cases
(
    id          String,
    org         LowCardinality(String),
    title       String,
    kind        LowCardinality(String),
    status      LowCardinality(String),
    created_by  String,
    created_at  DateTime64(3, 'UTC'),
    closed_by   String,
    closed_at   DateTime64(3, 'UTC'),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
-- statement
-- audit_log: append-only and hash-chained. Each API process writes its own chain (`chain`);
-- row k carries hash_k = sha256(hash_{k-1} ‖ canonical row k) (analytics/audit.ts), so an
-- edited, deleted or reordered row breaks verification from that row on. No TTL: retention of
-- the audit trail is a legal decision, not a default. On a server, grant the API's user
-- INSERT and SELECT only on this table.
CREATE TABLE IF NOT EXISTS audit_log
(
    chain         LowCardinality(String),
    seq           UInt64,
    ts            DateTime64(3, 'UTC'),
    key_id        String,
    role          LowCardinality(String),
    org           LowCardinality(String),
    method        LowCardinality(String),
    endpoint      LowCardinality(String),
    filters       String CODEC(ZSTD(3)),
    case_id       String,
    result_count  Int64,
    status        UInt16,
    prev_hash     String,
    hash          String
)
ENGINE = MergeTree
ORDER BY (chain, seq)
