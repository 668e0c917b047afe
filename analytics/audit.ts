/**
 * The audit log (DESIGN §8, §11): who searched or viewed what, when, under which case, with how
 * many results. Append-only and hash-chained: each process writes its own chain, and row k
 * stores hash_k = sha256(hash_{k−1} ‖ canonical(row k)); `verifyAudit` recomputes every chain
 * and reports the first row that does not fit (edited, deleted, inserted or reordered rows).
 */
import { createHash } from 'node:crypto';
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

export interface AuditRow {
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
  prev_hash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

/** The hash of a row given its predecessor's: every field but `hash`, in a fixed order. */
export function auditHash(r: Omit<AuditRow, 'hash'>): string {
  const canonical = JSON.stringify([
    r.chain, r.seq, r.ts_ms, r.key_id, r.role, r.org, r.method, r.endpoint, r.filters, r.case_id, r.result_count, r.status, r.prev_hash,
  ]);
  return createHash('sha256').update(r.prev_hash).update('\n').update(canonical).digest('hex');
}

/** One writer of one chain. Appends are serialised in-process so the chain stays linear. */
export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();
  private head: { seq: number; hash: string } | undefined;

  constructor(
    private readonly store: Store,
    readonly chain: string,
  ) {}

  /** Appends one entry; resolves when the row is stored. */
  append(e: AuditEntry): Promise<AuditRow> {
    const next = this.tail.then(() => this.write(e));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async write(e: AuditEntry): Promise<AuditRow> {
    if (!this.head) {
      const [last] = await this.store.query<{ seq: string; hash: string }>(sql('audit_head'), { chain: this.chain });
      this.head = last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS };
    }
    const body: Omit<AuditRow, 'hash'> = {
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
      prev_hash: this.head.hash,
    };
    const row: AuditRow = { ...body, hash: auditHash(body) };
    const { ts_ms, ...rest } = row;
    try {
      await this.store.insert('audit_log', [{ ...rest, ts: ts_ms }]);
    } catch (err) {
      this.head = undefined; // re-read the head: the insert may or may not have landed
      throw err;
    }
    this.head = { seq: row.seq, hash: row.hash };
    return row;
  }
}

export interface AuditVerdict {
  ok: boolean;
  chains: number;
  rows: number;
  /** The first row of each broken chain that does not verify. */
  broken: Array<{ chain: string; seq: number; reason: string }>;
  /**
   * The last row of each chain. A hash chain cannot show that rows were cut off its end: compare
   * these with a head recorded elsewhere (the API logs its head at every verification).
   */
  heads: Array<{ chain: string; seq: number; hash: string }>;
}

/** Recomputes every chain (streamed per chain in seq order). */
export async function verifyAudit(store: Store): Promise<AuditVerdict> {
  const chains = await store.query<{ chain: string }>('SELECT DISTINCT chain FROM audit_log ORDER BY chain');
  const verdict: AuditVerdict = { ok: true, chains: chains.length, rows: 0, broken: [], heads: [] };
  for (const { chain } of chains) {
    let prev = GENESIS;
    let expectSeq = 1;
    const rows = await store.query<Record<keyof AuditRow, string | number>>(sql('audit_chain'), { chain });
    for (const raw of rows) {
      verdict.rows++;
      const r: AuditRow = {
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
        prev_hash: String(raw.prev_hash),
        hash: String(raw.hash),
      };
      const reason =
        r.seq !== expectSeq ? `expected seq ${expectSeq}, found ${r.seq} (a row is missing or duplicated)`
        : r.prev_hash !== prev ? 'prev_hash does not match the previous row'
        : auditHash(r) !== r.hash ? 'the row does not match its hash (edited)'
        : undefined;
      if (reason) {
        verdict.ok = false;
        verdict.broken.push({ chain, seq: r.seq, reason });
        break;
      }
      prev = r.hash;
      expectSeq++;
    }
    const last = rows[rows.length - 1];
    if (last) verdict.heads.push({ chain, seq: Number(last.seq), hash: String(last.hash) });
  }
  return verdict;
}
