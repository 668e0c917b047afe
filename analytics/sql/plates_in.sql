-- Params: {plates:Array(String)}, {from:Int64}, {to:Int64}, {limit:UInt32}
-- Returns: which of the listed plates exist, seen in [from, to): plate, n (sightings city-wide), most seen first,
-- at most {limit}. The fuzzy search lists every plate within reach (analytics/plates/pattern.ts
-- fuzzyCandidates) and looks them up here: a set test per row of the small plates table, not a regex.
SELECT plate, sum(n) AS n
FROM plates
WHERE plate IN {plates:Array(String)}
GROUP BY plate
HAVING max(last_ts) >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND min(first_ts) < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
ORDER BY n DESC, plate
LIMIT {limit:UInt32}
