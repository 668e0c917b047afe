-- Params: {from:Int64}, {to:Int64}, {scope:Array(String)}, {districts:Array(String)}, {org:String},
--         {cameras:Array(String)}, {type:String}, {bucket:String}, {tz:String}, {by:String}, {level:UInt8}
-- Returns: counts from the hourly statistics view: t_ms (bucket start: the hour, or the local day in {tz}
-- when {bucket} = 'day'), key (the camera, the type, the org at depth {level} of the org path, or '' for
-- {by} = 'none'), n; ordered by t_ms, key. Hours are whole: [from, to) is widened to whole hours.
SELECT toUnixTimestamp(if({bucket:String} = 'day', toStartOfDay(hour, {tz:String}), hour)) * 1000 AS t_ms,
       multiIf({by:String} = 'camera', toString(camera), {by:String} = 'type', toString(type),
               {by:String} = 'org', toString(org_path[{level:UInt8}]), '') AS key,
       sum(n) AS n
FROM stats_hourly
WHERE hour >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
  AND hour < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND (empty({districts:Array(String)}) OR district IN {districts:Array(String)})
  AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)}))
  AND ({org:String} = '' OR has(org_path, {org:String}))
  AND (empty({cameras:Array(String)}) OR camera IN {cameras:Array(String)})
  AND ({type:String} = '' OR type = {type:String})
GROUP BY t_ms, key
ORDER BY t_ms, key
