-- Params: {plates:Array(String)}, {from:Int64}, {to:Int64}, {scope:Array(String)}, {color:String}, {vehicleType:String},
--         {asc:UInt8}, {limit:UInt32}
-- Returns: sightings of the plates in the caller's jurisdiction in [from, to): id, ts_ms, plate, camera, color,
-- vehicle_type, plate_score, direction, snapshot; oldest first when {asc} = 1 (routes), else newest first.
-- plate_sightings is ordered by (plate, ts): each day partition reads the plates' ranges only.
SELECT id, toUnixTimestamp64Milli(ts) AS ts_ms, plate, camera, color, vehicle_type, plate_score, direction, snapshot
FROM plate_sightings
WHERE plate IN {plates:Array(String)}
  AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)}))
  AND ({color:String} = '' OR color = {color:String})
  AND ({vehicleType:String} = '' OR vehicle_type = {vehicleType:String})
ORDER BY if({asc:UInt8} = 1, toUnixTimestamp64Milli(ts), -toUnixTimestamp64Milli(ts)), id
LIMIT {limit:UInt32}
