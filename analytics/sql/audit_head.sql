-- Params: {chain:String}
-- Returns: the last row of one audit chain: seq, hash (none for a new chain).
SELECT seq, hash FROM audit_log WHERE chain = {chain:String} ORDER BY seq DESC LIMIT 1
