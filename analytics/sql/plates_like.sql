-- Params: {like:String}, {from:Int64}, {to:Int64}, {limit:UInt32}
-- Returns: distinct plates matching a LIKE pattern seen in [from, to): plate, n (sightings city-wide), most
-- seen first, at most {limit}. Reads the small plates table; literal runs of ≥ 3 characters use its
-- ngrams(3) text index. Jurisdiction is applied when their sightings are read (plate_sightings_stats).
SELECT plate, sum(n) AS n
FROM plates
WHERE plate LIKE {like:String}
GROUP BY plate
HAVING max(last_ts) >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND min(first_ts) < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
ORDER BY n DESC, plate
LIMIT {limit:UInt32}
