-- Params: (none)
-- Returns: the newest version of every active case watch whose case is not closed (a watch
-- of a case closed since stops matching at the next reload).
SELECT id, case_id, case_org, kind, pattern, mode, upper, lower, area, from_ms, to_ms
FROM case_watches FINAL
WHERE active = 1
  AND case_id NOT IN (SELECT id FROM cases FINAL WHERE status != 'open')
ORDER BY id
