-- Params: {caseId:String}, {limit:UInt32}
-- Returns: the audit rows naming one case, oldest first (every chain), ts as epoch ms (ts_ms), with their
-- chain position and hash so a reviewer can match an export's excerpt with the store.
SELECT chain, seq, toUnixTimestamp64Milli(ts) AS ts_ms, key_id, role, org, method, endpoint, filters, case_id, result_count, status, mac_key, hash
FROM audit_log
WHERE case_id = {caseId:String}
ORDER BY ts, chain, seq
LIMIT {limit:UInt32}
