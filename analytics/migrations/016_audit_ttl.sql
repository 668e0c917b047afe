-- 015: the audit trail leaves by TTL too, after retention.auditDays (default 1095: three
-- years, above the six months China's Cybersecurity Law requires for network logs; a city's
-- legal counsel sets it). Verification accepts a chain whose oldest rows expired only when its
-- oldest remaining row is itself at the retention edge (analytics/audit.ts, docs/privacy.md).
ALTER TABLE audit_log MODIFY TTL toDateTime(ts) + INTERVAL {{auditDays}} DAY
