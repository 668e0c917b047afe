-- 014: an event's whole frame, downscaled, with its box and zone drawn (a snapshot id; empty for
-- sightings and for gateways that do not send it). GET /snapshots/:id finds its jurisdiction through
-- the hit that names it, as for `snapshot`.
ALTER TABLE hits ADD COLUMN IF NOT EXISTS frame String CODEC(ZSTD(1)) AFTER snapshot_crop
-- statement
ALTER TABLE hits ADD INDEX IF NOT EXISTS frame_bloom frame TYPE bloom_filter(0.001) GRANULARITY 1
