-- Params: {from:Int64}, {to:Int64}, {scope:Array(String)}, {districts:Array(String)}, {color:String}, {vehicleType:String}, {limit:UInt32}
-- Returns: vehicle sightings with any plate or none, by colour and/or type, in the caller's jurisdiction in
-- [from, to), newest first: id, ts_ms, plate, camera, color, vehicle_type, plate_score, direction, snapshot
-- (the shape of plate_sightings.sql); {color} matches the first or the second candidate body colour. For "a white van" when the plate was not read. The hour bound lets the
-- (toStartOfHour(ts), district, camera, ts) key prune (docs/analytics.md).
SELECT id, toUnixTimestamp64Milli(ts) AS ts_ms, plate, camera, color, vehicle_type, plate_score, direction, snapshot
FROM hits
WHERE toStartOfHour(ts) >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
  AND toStartOfHour(ts) <= toStartOfHour(fromUnixTimestamp64Milli({to:Int64}, 'UTC'))
  AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND (empty({districts:Array(String)}) OR district IN {districts:Array(String)})
  AND kind = 'sighting' AND type = 'vehicle'
  AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)}))
  AND ({color:String} = '' OR color = {color:String} OR color2 = {color:String})
  AND ({vehicleType:String} = '' OR vehicle_type = {vehicleType:String})
ORDER BY ts DESC, id
LIMIT {limit:UInt32}
