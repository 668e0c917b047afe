-- Params: {plates:Array(String)}, {from:Int64}, {to:Int64}, {scope:Array(String)}, {color:String}, {vehicleType:String}
-- Returns: per plate seen in the caller's jurisdiction in [from, to) with the filters: plate, n, first_ms,
-- last_ms, top_color (most frequent colour), top_vehicle_type, cameras (distinct count).
SELECT plate, count() AS n, toUnixTimestamp64Milli(min(ts)) AS first_ms, toUnixTimestamp64Milli(max(ts)) AS last_ms,
       topK(1)(color)[1] AS top_color, topK(1)(vehicle_type)[1] AS top_vehicle_type, uniqExact(camera) AS cameras
FROM plate_sightings
WHERE plate IN {plates:Array(String)}
  AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)}))
  AND ({color:String} = '' OR color = {color:String})
  AND ({vehicleType:String} = '' OR vehicle_type = {vehicleType:String})
GROUP BY plate
