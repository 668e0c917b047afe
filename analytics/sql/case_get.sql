-- Params: {id:String}
-- Returns: the current version of one case: id, org, title, kind, status, created_by, created_ms, closed_by, closed_ms, version.
SELECT id, org, title, kind, status, created_by, toUnixTimestamp64Milli(created_at) AS created_ms, closed_by,
       toUnixTimestamp64Milli(closed_at) AS closed_ms, version
FROM cases FINAL
WHERE id = {id:String}
