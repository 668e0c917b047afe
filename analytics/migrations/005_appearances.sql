-- 005: appearance descriptors for similarity search (docs/architecture.md#privacy: clothing colours and a
-- colour descriptor only — no face or body biometrics). The base64 descriptor of a hit is
-- decoded once into bytes (analytics/appearance.ts defines the layout) and kept in a narrow
-- table in the same time-first order as hits, so a nearest-neighbour scan of a time window
-- and area reads 40-odd bytes per candidate instead of the wide hits rows, and computes
-- distances only for rows whose dominant colour bins are among the query's.
CREATE TABLE IF NOT EXISTS appearances
(
    ts           DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    district     LowCardinality(String),
    camera       LowCardinality(String),
    org_path     Array(LowCardinality(String)),
    id           String CODEC(ZSTD(1)),
    type         LowCardinality(String),
    upper_color  LowCardinality(String),
    lower_color  LowCardinality(String),
    vec          Array(UInt8) CODEC(ZSTD(1)),
    -- The dominant bin of each region: a coarse cell (16 × 16) the similarity query probes
    -- before computing distances (an IVF-style prefilter; 255 = no descriptor layout).
    upper_bin    UInt8 MATERIALIZED if(length(vec) = 32, toUInt8(indexOf(arraySlice(vec, 1, 16), arrayMax(arraySlice(vec, 1, 16))) - 1), 255),
    lower_bin    UInt8 MATERIALIZED if(length(vec) = 32, toUInt8(indexOf(arraySlice(vec, 17, 16), arrayMax(arraySlice(vec, 17, 16))) - 1), 255)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (toStartOfHour(ts), district, camera, ts)
TTL toDateTime(ts) + INTERVAL {{hitsDays}} DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS appearances_mv TO appearances AS
SELECT ts, district, camera, org_path, id, type, upper_color, lower_color,
       CAST(arrayMap(c -> reinterpretAsUInt8(c), splitByString('', base64Decode(appearance))) AS Array(UInt8)) AS vec
FROM hits
WHERE appearance != '' AND type = 'person'
