-- 013: where a hit's snapshot was cropped from the frame ([x1, y1, x2, y2] in 0..1; empty
-- when the hit has no snapshot). Viewers place the hit's frame box on the snapshot with it.
ALTER TABLE hits ADD COLUMN IF NOT EXISTS snapshot_crop Array(Float32) CODEC(ZSTD(1)) AFTER snapshot
