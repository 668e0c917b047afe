-- 031: fewer merge levels on the tables every ingest INSERT writes. The engine's default merge
-- selector base (5) merges a handful of equal parts as soon as it can; with bundle-sized parts
-- (10,000 rows) that rewrote each row many times and the merges cost more CPU than the INSERTs
-- (2,000,000 hits in 10,000-row INSERTs: merges 26 s of 49 s of CPU). A base of 10 waits for
-- wider merges: merges 14 s, a few more parts left (docs/ingest.md, "Merges"). Needs an engine
-- that has the setting (chDB, ClickHouse 25.1 and later).
ALTER TABLE hits MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE snapshots MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE plate_sightings MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE plates MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE stats_hourly MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE appearances MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE sensor_readings MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE sensor_readings_1m MODIFY SETTING merge_selector_base = 10
-- statement
ALTER TABLE sensor_readings_1h MODIFY SETTING merge_selector_base = 10
