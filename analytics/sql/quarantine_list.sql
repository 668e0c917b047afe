-- Params: {from:Int64}, {to:Int64}, {gateway:String}, {reason:String}, {limit:UInt32}
-- Returns: quarantined messages and hits, newest first: ts_ms, gateway, topic, reason, detail,
-- raw (truncated; `base64:` when not text) and raw_bytes (the original size). Empty filters match all.
SELECT toUnixTimestamp64Milli(ts) AS ts_ms, gateway, topic, reason, detail, raw, raw_bytes
FROM quarantine
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
  AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND ({gateway:String} = '' OR gateway = {gateway:String})
  AND ({reason:String} = '' OR reason = {reason:String})
ORDER BY ts DESC
LIMIT {limit:UInt32}
