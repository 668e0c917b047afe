/**
 * The audit log (docs/privacy.md, "Audit chain"): who searched or viewed what, when, under
 * which case, with how many results. Append-only and keyed-hash-chained: each process writes
 * its own chain (its id and a gap-free `seq`), and row k stores
 * hash_k = HMAC-SHA256(key, hash_{k−1} ‖ canonical(row k)) under the key its `mac_key` names
 * (analytics/audit-mac.ts; the key is kept outside the store). `verifyAudit` recomputes every
 * chain, reports the first row that does not fit (edited, re-hashed, deleted, inserted or
 * reordered rows), and compares each chain with its newest signed checkpoint (kept outside the
 * store, api/audit-checkpoints.ts), which is what shows rows cut off a chain's end.
 */
import type { AuditCheckpoint } from '../contracts/signed.js';
import { type AuditHashed, type AuditKeyring, auditMac, legacyAuditHash } from './audit-mac.js';
import { sql } from './sql.js';
import type { Store } from './store.js';

export interface AuditEntry {
  tsMs: number;
  keyId: string;
  role: string;
  org: string;
  method: string;
  endpoint: string;
  /** The request's filters (query or body without images), as given. */
  filters: Record<string, unknown>;
  caseId: string;
  resultCount: number;
  status: number;
}

export interface AuditRow extends AuditHashed {
  hash: string;
}

const GENESIS = '0'.repeat(64);

export interface AuditLogOptions {
  keyring: AuditKeyring;
  /** Called after each row is stored with the chain's new head (checkpoints). */
  onHead?: (head: { chain: string; seq: number; hash: string }) => void;
}

/** One writer of one chain. Appends are serialised in-process so the chain stays linear. */
export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();
  private head: { seq: number; hash: string } | undefined;

  constructor(
    private readonly store: Store,
    readonly chain: string,
    private readonly o: AuditLogOptions,
  ) {}

  /** Appends one entry; resolves when the row is stored. */
  append(e: AuditEntry): Promise<AuditRow> {
    const next = this.tail.then(() => this.write(e));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async write(e: AuditEntry): Promise<AuditRow> {
    if (!this.head) {
      const [last] = await this.store.query<{ seq: string; hash: string }>(sql('audit_head'), {
        chain: this.chain,
      });
      this.head = last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS };
    }
    const body: AuditHashed = {
      chain: this.chain,
      seq: this.head.seq + 1,
      ts_ms: e.tsMs,
      key_id: e.keyId,
      role: e.role,
      org: e.org,
      method: e.method,
      endpoint: e.endpoint,
      filters: JSON.stringify(e.filters),
      case_id: e.caseId,
      result_count: e.resultCount,
      status: e.status,
      mac_key: this.o.keyring.current,
      prev_hash: this.head.hash,
    };
    const row: AuditRow = { ...body, hash: auditMac(this.o.keyring, body) as string };
    const { ts_ms, ...rest } = row;
    try {
      await this.store.insert('audit_log', [{ ...rest, ts: ts_ms }]);
    } catch (err) {
      this.head = undefined; // re-read the head: the insert may or may not have landed
      throw err;
    }
    this.head = { seq: row.seq, hash: row.hash };
    this.o.onHead?.({ chain: this.chain, seq: row.seq, hash: row.hash });
    return row;
  }
}

export interface AuditVerdict {
  ok: boolean;
  chains: number;
  rows: number;
  /** Rows from before the chain was keyed (accepted only before a chain's first keyed row). */
  unkeyedRows: number;
  /** Rows gone from the start of chains by the audit TTL. */
  expiredRows: number;
  /** Checkpoints compared (the newest per chain). */
  checkpoints: number;
  /** The first problem of each broken chain. */
  broken: Array<{ chain: string; seq: number; reason: string }>;
  /** The last row of each chain. */
  heads: Array<{ chain: string; seq: number; hash: string }>;
}

export interface VerifyOptions {
  keyring: AuditKeyring;
  /** Signed checkpoints (signatures already verified); the newest per chain is compared. */
  checkpoints?: readonly AuditCheckpoint[];
  /**
   * The audit TTL: a chain whose oldest rows expired starts above seq 1. That is accepted only
   * when its oldest remaining row is itself within EXPIRY_GRACE_MS of the retention edge (its
   * predecessors are older still); otherwise the missing rows were deleted.
   */
  retention?: { auditDays: number; nowMs: number };
}

/** TTL runs at merges, not at the instant: how far past the edge the oldest row may lie. */
export const EXPIRY_GRACE_MS = 2 * 86_400_000;

function rowOf(raw: Record<string, string | number>): AuditRow {
  return {
    chain: String(raw.chain),
    seq: Number(raw.seq),
    ts_ms: Number(raw.ts_ms),
    key_id: String(raw.key_id),
    role: String(raw.role),
    org: String(raw.org),
    method: String(raw.method),
    endpoint: String(raw.endpoint),
    filters: String(raw.filters),
    case_id: String(raw.case_id),
    result_count: Number(raw.result_count),
    status: Number(raw.status),
    mac_key: String(raw.mac_key ?? ''),
    prev_hash: String(raw.prev_hash),
    hash: String(raw.hash),
  };
}

/** Why row `r` does not fit its chain, or undefined. Pure. */
export function rowProblem(
  r: AuditRow,
  expect: { seq: number; prev: string; keyed: boolean },
  keyring: AuditKeyring,
): string | undefined {
  if (r.seq !== expect.seq)
    return `expected seq ${expect.seq}, found ${r.seq} (a row is missing or duplicated)`;
  if (r.prev_hash !== expect.prev) return 'prev_hash does not match the previous row';
  if (r.mac_key === '') {
    if (expect.keyed) return 'an unkeyed row after keyed rows (re-hashed without the key)';
    return legacyAuditHash(r) === r.hash ? undefined : 'the row does not match its hash (edited)';
  }
  const mac = auditMac(keyring, r);
  if (mac === undefined) return `MAC key '${r.mac_key}' is not in the keyring`;
  return mac === r.hash ? undefined : 'the row does not match its MAC (edited or re-hashed without the key)';
}

/** Compares a verified chain with its newest signed checkpoint. Pure. */
export function checkpointProblem(cp: AuditCheckpoint, rows: readonly AuditRow[]): string | undefined {
  const last = rows[rows.length - 1];
  if (!last || last.seq < cp.seq)
    return `rows after seq ${last?.seq ?? 0} are missing: a checkpoint signed at ${new Date(cp.tsMs).toISOString()} saw the chain at seq ${cp.seq} (the newest rows were deleted)`;
  const at = rows.find((r) => r.seq === cp.seq);
  if (!at || at.hash !== cp.hash)
    return `row ${cp.seq} differs from the signed checkpoint (the chain was rewritten)`;
  return undefined;
}

/** Recomputes every chain (per chain in seq order) and compares it with its checkpoint. */
export async function verifyAudit(store: Store, o: VerifyOptions): Promise<AuditVerdict> {
  const stored = (
    await store.query<{ chain: string }>('SELECT DISTINCT chain FROM audit_log ORDER BY chain')
  ).map((c) => c.chain);
  const newest = new Map<string, AuditCheckpoint>();
  for (const cp of o.checkpoints ?? [])
    if ((newest.get(cp.chain)?.seq ?? -1) < cp.seq) newest.set(cp.chain, cp);
  const chains = [...new Set([...stored, ...newest.keys()])].sort();
  const verdict: AuditVerdict = {
    ok: true,
    chains: chains.length,
    rows: 0,
    unkeyedRows: 0,
    expiredRows: 0,
    checkpoints: newest.size,
    broken: [],
    heads: [],
  };
  const fail = (chain: string, seq: number, reason: string) => {
    verdict.ok = false;
    verdict.broken.push({ chain, seq, reason });
  };
  for (const chain of chains) {
    const rows = (await store.query<Record<string, string | number>>(sql('audit_chain'), { chain })).map(
      rowOf,
    );
    const expect = { seq: 1, prev: GENESIS, keyed: false };
    let brokenAt: AuditRow | undefined;
    const first = rows[0];
    let prefixExpired = false;
    if (
      first &&
      first.seq > 1 &&
      o.retention &&
      first.ts_ms < o.retention.nowMs - o.retention.auditDays * 86_400_000 + EXPIRY_GRACE_MS
    ) {
      // The rows before it expired by TTL: start the chain at its oldest remaining row.
      verdict.expiredRows += first.seq - 1;
      prefixExpired = true;
      expect.seq = first.seq;
      expect.prev = first.prev_hash;
      expect.keyed = first.mac_key !== '';
    }
    for (const r of rows) {
      verdict.rows++;
      if (r.mac_key === '') verdict.unkeyedRows++;
      const reason = brokenAt ? undefined : rowProblem(r, expect, o.keyring);
      if (reason) {
        brokenAt = r;
        fail(chain, r.seq, reason);
      }
      expect.seq++;
      expect.prev = r.hash;
      expect.keyed ||= r.mac_key !== '';
    }
    const cp = newest.get(chain);
    // A checkpoint of rows that have since expired has nothing left to compare.
    const cpExpired = prefixExpired && cp !== undefined && first !== undefined && cp.seq < first.seq;
    const cpReason = cp && !brokenAt && !cpExpired ? checkpointProblem(cp, rows) : undefined;
    if (cp && cpReason) fail(chain, cp.seq, cpReason);
    const last = rows[rows.length - 1];
    if (last) verdict.heads.push({ chain, seq: last.seq, hash: last.hash });
  }
  return verdict;
}
