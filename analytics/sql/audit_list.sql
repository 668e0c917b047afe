-- Params: {from:Int64}, {to:Int64}, {keyId:String}, {caseId:String}, {limit:UInt32}
-- Returns: audit rows in a time range, newest first (ts as epoch ms in ts_ms); empty filters mean any.
SELECT chain, seq, toUnixTimestamp64Milli(ts) AS ts_ms, key_id, role, org, method, endpoint, filters, case_id, result_count, status, hash
FROM audit_log
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND ({keyId:String} = '' OR key_id = {keyId:String})
  AND ({caseId:String} = '' OR case_id = {caseId:String})
ORDER BY ts DESC, chain, seq DESC
LIMIT {limit:UInt32}
