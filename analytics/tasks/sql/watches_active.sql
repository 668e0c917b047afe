-- Params: (none)
-- Returns: the newest version of every active case watch.
SELECT id, case_id, case_org, kind, pattern, mode, upper, lower, area, from_ms, to_ms
FROM case_watches FINAL
WHERE active = 1
ORDER BY id
