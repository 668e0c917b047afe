-- Params: {org:String}, {grid:String}, {statuses:Array(String)}, {since:Int64}, {limit:UInt32}
-- Returns: state (the Task as JSON) of the newest version of each task whose grid lies in the
-- subtree of {org} (and is {grid} when not empty), updated at or after {since} (epoch ms),
-- with a status in {statuses} (empty: any); most recently updated first, at most {limit}.
SELECT state
FROM tasks FINAL
WHERE has(org_path, {org:String})
  AND ({grid:String} = '' OR grid = {grid:String})
  AND (empty({statuses:Array(String)}) OR status IN {statuses:Array(String)})
  AND updated >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
ORDER BY updated DESC, id DESC
LIMIT {limit:UInt32}
