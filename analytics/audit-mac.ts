/**
 * The audit chain's keyed MAC (docs/privacy.md, "Audit chain"): row k's hash is
 * HMAC-SHA256(key, hash_{k−1} ‖ "\n" ‖ canonical(row k)), under the key its `mac_key` names.
 * Without the key, nobody who can write the store can re-hash an edited row. Keys rotate:
 * new rows use the current key, old rows keep naming theirs, so the keyring holds every key
 * ever current. Pure: no I/O (the keyring is read from disk in api/city-keys.ts).
 */
import { createHash, createHmac } from 'node:crypto';

export interface AuditKeyring {
  /** Key id new rows are written with. */
  readonly current: string;
  /** Every key by id, current and retired. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** The fields a row's hash covers, in their fixed order. */
export interface AuditHashed {
  chain: string;
  seq: number;
  ts_ms: number;
  key_id: string;
  role: string;
  org: string;
  method: string;
  endpoint: string;
  filters: string;
  case_id: string;
  result_count: number;
  status: number;
  mac_key: string;
  prev_hash: string;
}

function canonical(r: AuditHashed, withMacKey: boolean): string {
  const f = [
    r.chain,
    r.seq,
    r.ts_ms,
    r.key_id,
    r.role,
    r.org,
    r.method,
    r.endpoint,
    r.filters,
    r.case_id,
    r.result_count,
    r.status,
  ];
  return JSON.stringify(withMacKey ? [...f, r.mac_key, r.prev_hash] : [...f, r.prev_hash]);
}

/** The unkeyed SHA-256 of rows written before the chain was keyed (mac_key ''). */
export function legacyAuditHash(r: AuditHashed): string {
  return createHash('sha256').update(r.prev_hash).update('\n').update(canonical(r, false)).digest('hex');
}

/** The keyed hash of a row; undefined when the keyring lacks its key. */
export function auditMac(keyring: AuditKeyring, r: AuditHashed): string | undefined {
  const key = keyring.keys.get(r.mac_key);
  if (!key) return undefined;
  return createHmac('sha256', key).update(r.prev_hash).update('\n').update(canonical(r, true)).digest('hex');
}
