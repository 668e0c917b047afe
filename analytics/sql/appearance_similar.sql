-- Params: {vec:Array(UInt8)}, {from:Int64}, {to:Int64}, {scope:Array(String)}, {districts:Array(String)},
--         {cameras:Array(String)}, {upperBins:Array(UInt8)}, {lowerBins:Array(UInt8)}, {excludeId:String}, {limit:UInt32}
-- Returns: the persons whose appearance descriptor is nearest (L2) to {vec} in [from, to) in the caller's
-- jurisdiction: id, ts_ms, camera, upper_color, lower_color, distance; nearest first, at most {limit}.
-- A scan of the narrow appearances table over the window (bounded by api.similarMaxDays); distances are
-- computed only where the dominant bins are in {upperBins}/{lowerBins} (empty: everywhere, exhaustive).
SELECT id, toUnixTimestamp64Milli(ts) AS ts_ms, camera, upper_color, lower_color,
       L2Distance(vec, {vec:Array(UInt8)}) AS distance
FROM appearances
WHERE toStartOfHour(ts) >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
  AND toStartOfHour(ts) <= toStartOfHour(fromUnixTimestamp64Milli({to:Int64}, 'UTC'))
  AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND (empty({districts:Array(String)}) OR district IN {districts:Array(String)})
  AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)}))
  AND (empty({cameras:Array(String)}) OR camera IN {cameras:Array(String)})
  AND (empty({upperBins:Array(UInt8)}) OR upper_bin IN {upperBins:Array(UInt8)})
  AND (empty({lowerBins:Array(UInt8)}) OR lower_bin IN {lowerBins:Array(UInt8)})
  AND length(vec) = length({vec:Array(UInt8)})
  AND id != {excludeId:String}
ORDER BY distance, id
LIMIT {limit:UInt32}
