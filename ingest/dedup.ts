/**
 * The replay window (docs/architecture.md#no-loss-chain step 4): a message id already queued is dropped, not queued
 * again — the edge resends whatever it has not seen acked.
 *
 * Each message key is claimed with `SET NX` *before* its job is added, naming the job
 * (`jobId:claimMs`). A later copy finds the claim and checks that job: if it exists in the
 * queue (waiting, active, failed) or has left a done marker (jobs.ts), the copy is a
 * duplicate — acked again and dropped. If neither, the node that claimed it died between
 * claim and add; after `claimGraceMs` the key may be claimed again. While the claim is
 * young the copy is left unacked (the gateway resends later). A crash can therefore never
 * leave a message claimed but lost, and a message can reach the store under one job id only.
 */
import type { Redis } from 'ioredis';
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

export interface DedupOptions {
  redis: Redis;
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
  const value = `${jobId}:${nowMs}`;
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
    const at = v.lastIndexOf(':');
    return { job: v.slice(0, at), claimMs: Number(v.slice(at + 1)) };
  });
  for (const { job } of parsed) check.exists(`${o.queueKey}:${job}`, doneKey(o.prefix, job));
  const exists = ((await check.exec()) ?? []).map((r) => Number(r[1]));
  const retake = o.redis.pipeline();
  const retaken: number[] = [];
  taken.forEach((i, k) => {
    const { job, claimMs } = parsed[k]!;
    if (job === jobId)
      verdicts[i] = 'duplicate'; // the same key twice in one bundle
    else if ((exists[k] ?? 0) > 0) verdicts[i] = 'duplicate';
    else if (!owners[k] || nowMs - claimMs > o.claimGraceMs) {
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
