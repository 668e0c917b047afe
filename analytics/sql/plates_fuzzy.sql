-- Params: {re:String}, {from:Int64}, {to:Int64}, {limit:UInt32}
-- Returns: distinct plates matching an RE2 regex (analytics/plates/pattern.ts fuzzyRegex) seen in [from, to):
-- plate, n; at most {limit}. Ranking by closeness happens in rankFuzzy, not here.
SELECT plate, sum(n) AS n
FROM plates
WHERE match(plate, {re:String})
GROUP BY plate
HAVING max(last_ts) >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND min(first_ts) < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
ORDER BY n DESC, plate
LIMIT {limit:UInt32}
