-- Params: {allOrgs:UInt8}, {orgs:Array(String)}, {status:String}, {limit:UInt32}
-- Returns: current versions of the cases whose org is in the caller's jurisdiction ({allOrgs} = 1, or one of
-- {orgs}), newest first; same columns as case_get.
SELECT id, org, title, kind, status, created_by, toUnixTimestamp64Milli(created_at) AS created_ms, closed_by,
       toUnixTimestamp64Milli(closed_at) AS closed_ms, version
FROM cases FINAL
WHERE ({allOrgs:UInt8} = 1 OR org IN {orgs:Array(String)})
  AND ({status:String} = '' OR status = {status:String})
ORDER BY created_at DESC, id
LIMIT {limit:UInt32}
