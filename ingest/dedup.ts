/**
 * The replay window (docs/architecture.md#no-loss-chain step 4): a message id already queued is dropped, not queued
 * again — the edge resends whatever it has not seen acked.
 *
 * Each message key is claimed with `SET NX` *before* its job is added, naming the job and
 * the claiming node (`jobId:nodeId`; the claim time is the job ULID's). A later copy finds the claim and checks that job:
 * if it exists in the queue (waiting, active, failed) or has left a done marker (jobs.ts), the
 * copy is a duplicate — acked again and dropped. If neither, the claim is in flight or its node
 * died between claim and add. A live node keeps a liveness key (`NodeLease`, refreshed every
 * NODE_LEASE_MS / 3) and adds a job only while its lease is fresh; a claim whose node's lease
 * is gone may be claimed again at once, any other after `claimGraceMs`. While the claim is
 * young the copy is left unacked (the gateway resends later). A crash can therefore never
 * leave a message claimed but lost, and a message can reach the store under one job id only.
 *
 * Measured in bench:faults (docs/ingest.md#faults): with the grace period alone, a killed
 * receiver's in-flight claims held the gateways' resends for `claimGraceMs` (30 s).
 */
import type { Redis } from 'ioredis';
import { decodeTime } from 'ulid';
import { doneKey, QUEUE_NAME } from './jobs.js';

/** SET key newValue PX ttl, only if it still holds oldValue (or is gone). Returns 1 when set. */
const CAS = `local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end
return 0`;

/** Releases claims made for a job that never reached Redis (best effort; the grace period covers a failure). */
export async function release(o: DedupOptions, keys: readonly string[], jobId: string): Promise<void> {
  if (keys.length === 0) return;
  const p = o.redis.pipeline();
  for (const k of keys) p.eval(RELEASE, 1, seenKey(o.prefix, k), `${jobId}:`);
  await p.exec();
}

/**
 * Releases `jobId`'s claims on `keys` when the job is neither in the queue nor done: the bundle
 * failed after claiming, and its job never reached this Redis — or was lost with a master that
 * failed over before replicating it (docs/architecture.md#redis-high-availability). A resend is
 * then claimed afresh at once instead of after `claimGraceMs`. When the job is there, the claims
 * stay: a resend is a duplicate, acked again.
 */
export async function releaseIfOrphaned(
  o: DedupOptions,
  keys: readonly string[],
  jobId: string,
): Promise<boolean> {
  if (keys.length === 0) return false;
  const there = await o.redis.exists(`${o.queueKey}:${jobId}`, doneKey(o.prefix, jobId));
  if (there > 0) return false;
  await release(o, keys, jobId);
  return true;
}

const RELEASE = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

export type ClaimVerdict = 'fresh' | 'duplicate' | 'pending';

/** When a job id (a ULID) was made; an id of another form counts as made now. */
function claimTime(jobId: string, nowMs: number): number {
  try {
    return decodeTime(jobId);
  } catch {
    return nowMs;
  }
}

/** How long a node's liveness key lives without a refresh, ms. */
export const NODE_LEASE_MS = 2_000;

function nodeKey(prefix: string, nodeId: string): string {
  return `${prefix}:ingest:node:${nodeId}`;
}

/** A node's liveness key: refreshed every NODE_LEASE_MS / 3 until stopped. */
export class NodeLease {
  private refreshedMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly nodeId: string,
  ) {
    this.timer = setInterval(() => void this.refresh(), NODE_LEASE_MS / 3);
    this.timer.unref();
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const t = Date.now();
    try {
      await this.redis.set(nodeKey(this.prefix, this.nodeId), '1', 'PX', NODE_LEASE_MS);
      this.refreshedMs = t;
    } catch {
      // Redis unreachable: the lease runs out, and fresh() says so.
    }
  }

  /** The lease was refreshed recently enough that no other node can think this one dead. */
  fresh(nowMs: number): boolean {
    return nowMs - this.refreshedMs < NODE_LEASE_MS / 2;
  }

  /**
   * Refreshes a stale lease now, and says whether it is fresh again without ever having lapsed:
   * the refresh was answered before the last one could expire (its key lives NODE_LEASE_MS from
   * when Redis ran it, after `refreshedMs`). A refresh timer that ran late on a starved event loop
   * then costs a round trip instead of a refused bundle (bench:ingest: 12.7 s of resends).
   */
  async renew(): Promise<boolean> {
    const held = this.refreshedMs;
    if (held === 0) return false;
    await this.refresh();
    const now = Date.now();
    return this.refreshedMs > held && now < held + NODE_LEASE_MS && this.fresh(now);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(nodeKey(this.prefix, this.nodeId)).catch(() => undefined);
  }
}

export interface DedupOptions {
  redis: Redis;
  /** This node's liveness lease (claims name its node). */
  lease?: NodeLease;
  prefix: string;
  /** BullMQ key prefix of the queue (`{prefix}:{queue}`), where a job's hash lives at `…:{jobId}`. */
  queueKey: string;
  windowMs: number;
  claimGraceMs: number;
}

export function seenKey(prefix: string, key: string): string {
  // Under the queue's hash tag: checked together with the job's keys (one Cluster slot).
  return `${prefix}:${QUEUE_NAME}:seen:${key}`;
}

/** Claims `keys` for `jobId`; one verdict per key, in order. */
export async function claim(
  o: DedupOptions,
  keys: readonly string[],
  jobId: string,
  nowMs: number,
): Promise<ClaimVerdict[]> {
  if (keys.length === 0) return [];
  // With a lease the claim time is the job id's own (a ULID's first 48 bits): no bytes spent on it.
  const value = o.lease ? `${jobId}:${o.lease.nodeId}` : `${jobId}:${nowMs}`;
  const p = o.redis.pipeline();
  for (const k of keys) p.set(seenKey(o.prefix, k), value, 'PX', o.windowMs, 'NX');
  const setRes = (await p.exec()) ?? [];
  const verdicts: ClaimVerdict[] = keys.map((_, i) => (setRes[i]?.[1] === 'OK' ? 'fresh' : 'pending'));
  const taken = verdicts.flatMap((v, i) => (v === 'pending' ? [i] : []));
  if (taken.length === 0) return verdicts;
  const g = o.redis.pipeline();
  for (const i of taken) g.get(seenKey(o.prefix, keys[i]!));
  const owners = ((await g.exec()) ?? []).map((r) => (typeof r[1] === 'string' ? r[1] : ''));
  const check = o.redis.pipeline();
  const parsed = owners.map((v) => {
    const [job = '', second = '0'] = v.split(':');
    // `jobId:claimMs` (no lease) or `jobId:nodeId` (node ids start with a letter).
    if (/^\d+$/.test(second)) return { job, claimMs: Number(second), node: '' };
    return { job, claimMs: claimTime(job, nowMs), node: second };
  });
  for (const { job, node } of parsed) {
    check.exists(`${o.queueKey}:${job}`, doneKey(o.prefix, job));
    check.exists(node ? nodeKey(o.prefix, node) : `${o.prefix}:ingest:node:-`);
  }
  const res = ((await check.exec()) ?? []).map((r) => Number(r[1]));
  const exists = parsed.map((_, k) => res[2 * k] ?? 0);
  // A claim naming a node whose lease is gone: that node died before adding the job.
  const orphan = parsed.map((p, k) => p.node !== '' && (res[2 * k + 1] ?? 1) === 0);
  const retake = o.redis.pipeline();
  const retaken: number[] = [];
  taken.forEach((i, k) => {
    const { job, claimMs } = parsed[k]!;
    if (job === jobId)
      verdicts[i] = 'duplicate'; // the same key twice in one bundle
    else if ((exists[k] ?? 0) > 0) verdicts[i] = 'duplicate';
    else if (!owners[k] || orphan[k] || nowMs - claimMs > o.claimGraceMs) {
      // Compare-and-set: of two nodes retaking the same orphan claim, one wins.
      retake.eval(CAS, 1, seenKey(o.prefix, keys[i]!), owners[k] ?? '', value, String(o.windowMs));
      retaken.push(i);
    }
  });
  if (retaken.length) {
    const res = (await retake.exec()) ?? [];
    retaken.forEach((i, k) => {
      if (Number(res[k]?.[1]) === 1) verdicts[i] = 'fresh';
    });
  }
  return verdicts;
}
