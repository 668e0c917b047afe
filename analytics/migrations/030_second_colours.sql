-- 030: second candidate colours (contract attrs color2, upperColor2, lowerColor2): a runner-up
-- close to the winner (edge-agent/attributes/colour.ts), '' when none. Searches match either
-- colour (analytics/sql/hits_search.sql, analytics/sql/vehicles_by_attrs.sql).
ALTER TABLE hits ADD COLUMN IF NOT EXISTS color2 LowCardinality(String) AFTER lower_color
-- statement
ALTER TABLE hits ADD COLUMN IF NOT EXISTS upper_color2 LowCardinality(String) AFTER color2
-- statement
ALTER TABLE hits ADD COLUMN IF NOT EXISTS lower_color2 LowCardinality(String) AFTER upper_color2
