-- Params: {from:Int64}, {to:Int64}, {scope:Array(String)}, {districts:Array(String)}, {org:String}, {cameras:Array(String)},
--         {kind:String}, {type:String}, {label:String}, {zone:String}, {color:String}, {upper:String}, {lower:String},
--         {cursorTs:Int64}, {cursorId:String}, {limit:UInt32}
-- Returns: hits (HIT_COLUMNS shape) newest first, at most {limit}; keyset pagination by (ts, id) below the cursor.
-- A colour filter matches the first or the second candidate colour (color2, upper_color2, lower_color2).
-- Empty filter values mean "any". {scope} is the caller's jurisdiction (org ids; empty: the whole city) and
-- {districts} the districts it lies in (prunes the key); {org} narrows to one org subtree inside it.
-- toStartOfHour(ts) is bounded explicitly so the (toStartOfHour(ts), district, camera, ts) key prunes (docs/architecture.md#store).
SELECT id, toUnixTimestamp64Milli(ts) AS ts_ms, gateway, camera, kind, type, label, score, box, track, zone, rule,
       duration_ms, color, upper_color, lower_color, color2, upper_color2, lower_color2, vehicle_type, plate, plate_score, direction, appearance, snapshot, snapshot_crop, frame, model
FROM hits
WHERE toStartOfHour(ts) >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64}, 'UTC'))
  AND toStartOfHour(ts) <= toStartOfHour(fromUnixTimestamp64Milli({to:Int64}, 'UTC'))
  AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
  AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND (empty({districts:Array(String)}) OR district IN {districts:Array(String)})
  AND (empty({scope:Array(String)}) OR hasAny(org_path, {scope:Array(String)}))
  AND ({org:String} = '' OR has(org_path, {org:String}))
  AND (empty({cameras:Array(String)}) OR camera IN {cameras:Array(String)})
  AND ({kind:String} = '' OR kind = {kind:String})
  AND ({type:String} = '' OR type = {type:String})
  AND ({label:String} = '' OR label = {label:String})
  AND ({zone:String} = '' OR zone = {zone:String})
  AND ({color:String} = '' OR color = {color:String} OR color2 = {color:String})
  AND ({upper:String} = '' OR upper_color = {upper:String} OR upper_color2 = {upper:String})
  AND ({lower:String} = '' OR lower_color = {lower:String} OR lower_color2 = {lower:String})
  AND ({cursorTs:Int64} = 0 OR (toUnixTimestamp64Milli(ts), id) < ({cursorTs:Int64}, {cursorId:String}))
ORDER BY ts DESC, id DESC
LIMIT {limit:UInt32}
