-- 014: the audit chain is keyed (analytics/audit.ts, docs/privacy.md): each row's hash is an
-- HMAC-SHA256 under the key named in mac_key (a key id; the key itself is kept outside the
-- store, 0600 in the data folder). Rows written before this migration have mac_key '' and
-- the unkeyed SHA-256 of before; verification accepts them only before a chain's first
-- keyed row.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS mac_key LowCardinality(String) DEFAULT '' AFTER status
