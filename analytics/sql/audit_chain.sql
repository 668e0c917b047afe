-- Params: {chain:String}
-- Returns: every row of one audit chain in seq order, ts as epoch ms (ts_ms), for verification.
SELECT chain, seq, toUnixTimestamp64Milli(ts) AS ts_ms, key_id, role, org, method, endpoint, filters, case_id, result_count, status, mac_key, prev_hash, hash
FROM audit_log
WHERE chain = {chain:String}
ORDER BY seq
