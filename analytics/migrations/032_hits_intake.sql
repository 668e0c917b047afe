-- 032: the door ingest's hits blocks come in by. The store parses text into a LowCardinality
-- column value by value (a dictionary lookup per value); parsed as String and converted a whole
-- column at a time, the same 10,000-row block is cheaper: into a Null table of these types 83 ms
-- against 147 ms for hits' own types, and through this table and its view into hits (with hits'
-- views) 178 against 208 ms (docs/ingest.md, "Store path"). `hits_intake` keeps nothing (Null);
-- its view writes each block into `hits`, whose own views (plates, stats, appearances) then run
-- as before. Columns and order are HIT_BLOCK_COLUMNS (analytics/hit-block.ts), hits' types with
-- LowCardinality taken off. A column added to hits later must be added here and to the view's
-- SELECT too (analytics/schema.int.test.ts checks that the two agree).
-- A retried block is dropped only when it comes through the same door: a view's target
-- deduplicates on a token derived from the INSERT's, so a job INSERTed straight into hits and
-- again through here would be stored twice. Jobs say which door they use (`hitsVia`,
-- ingest/job-data.ts); jobs queued before this keep the old one.
CREATE TABLE IF NOT EXISTS hits_intake
(
    id            String,
    ts            DateTime64(3, 'UTC'),
    gateway       String,
    camera        String,
    grid          String,
    org_path      Array(String),
    kind          String,
    type          String,
    label         String,
    score         Float32,
    box           Array(Float32),
    track         UInt32,
    zone          String,
    rule          String,
    duration_ms   UInt32,
    color         String,
    upper_color   String,
    lower_color   String,
    color2        String,
    upper_color2  String,
    lower_color2  String,
    vehicle_type  String,
    plate         String,
    plate_score   Float32,
    direction     String,
    appearance    String,
    snapshot      String,
    snapshot_crop Array(Float32),
    frame         String,
    model         String
)
ENGINE = Null
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS hits_intake_mv TO hits AS
SELECT id, ts, gateway, camera, grid, org_path, kind, type, label, score, box, track, zone, rule,
       duration_ms, color, upper_color, lower_color, color2, upper_color2, lower_color2,
       vehicle_type, plate, plate_score, direction, appearance, snapshot, snapshot_crop, frame, model
FROM hits_intake
