/**
 * The replay window (docs/architecture.md#no-loss-chain step 4): a message id already queued is dropped, not queued
 * again — the edge resends whatever it has not seen acked.
 *
 * Each message key is claimed *before* its job is added, naming the job and the claiming node
 * (the claim time is the job ULID's). Claims are not a Redis key each: they are fields of one
 * hash per gateway, message kind and slice of message-id time (replay-slots.ts), claimed with
 * `HSETNX` in one script per bundle; every claim renews its hash for the window, so a claim
 * lives at least `windowMs`. Once the job is stored the worker shrinks its claims to a
 * one-byte stored mark (`markStored`). A later copy of the message falls into the same field
 * and finds the claim: marked stored, the copy is a duplicate; else it checks the claim's job:
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
import { doneKey, replayKey } from './queue-keys.js';
import {
  claimPrefix,
  decodeClaim,
  encodeClaim,
  isStoredClaim,
  replaySlot,
  STORED_CLAIM,
} from './replay-slots.js';

/** HSET field newValue only if it still holds oldValue (or is gone); the hash lives on. Returns 1 when set. */
const CAS = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v == false or v == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return 1
end
return 0`;

/**
 * Claims fields in slice hashes. KEYS: the hashes; ARGV: windowMs, the claim value, then a
 * hash index (1-based) and a field per message. Returns per message 1 (claimed now) or the
 * claim found. Every hash touched lives windowMs more, so each claim lives at least that long.
 */
const CLAIM = `local out = {}
for i = 3, #ARGV, 2 do
  local k, f = KEYS[tonumber(ARGV[i])], ARGV[i + 1]
  if redis.call('HSETNX', k, f, ARGV[2]) == 1 then out[#out + 1] = 1
  else out[#out + 1] = redis.call('HGET', k, f) end
end
for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, ARGV[1]) end
return out`;

/**
 * Marks a job stored. KEYS: its done marker, then the hashes; ARGV: windowMs, the job's claim
 * prefix, then a hash index (from 2) and a field per message. Sets the done marker and turns
 * each claim still naming the job into the stored mark.
 */
const STORED = `redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
local n = string.len(ARGV[2])
for i = 3, #ARGV, 2 do
  local k, f = KEYS[tonumber(ARGV[i])], ARGV[i + 1]
  local v = redis.call('HGET', k, f)
  if v and string.sub(v, 1, n) == ARGV[2] then redis.call('HSET', k, f, '${STORED_CLAIM}') end
end
return 0`;

/** Deletes a claim if it still names the job (its value starts with ARGV[2]). */
const RELEASE = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, string.len(ARGV[2])) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/** Releases claims made for a job that never reached Redis (best effort; the grace period covers a failure). */
export async function release(o: DedupOptions, keys: readonly string[], jobId: string): Promise<void> {
  if (keys.length === 0) return;
  const mine = claimPrefix(jobId);
  const p = o.redis.pipeline();
  for (const k of keys) {
    const s = replaySlot(k);
    p.eval(RELEASE, 1, replayKey(o.prefix, s.bucket), s.field, mine);
  }
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

/** The claim held on a replay key, if any: its job and its node id (or claim time), or `stored`. */
export async function claimOf(
  redis: Redis,
  prefix: string,
  key: string,
): Promise<{ job: string; tail: string } | 'stored' | undefined> {
  const s = replaySlot(key);
  const v = await redis.hgetBuffer(replayKey(prefix, s.bucket), s.field);
  if (!v) return undefined;
  return isStoredClaim(v) ? 'stored' : decodeClaim(v);
}

/** Script arguments naming each key's hash (by its index in KEYS, from `first`) and field. */
function slotArgs(prefix: string, keys: readonly string[], first: number) {
  const hashes = new Map<string, number>();
  const pairs: (string | Buffer)[] = [];
  for (const k of keys) {
    const s = replaySlot(k);
    const h = replayKey(prefix, s.bucket);
    const at = hashes.get(h) ?? hashes.size + first;
    hashes.set(h, at);
    pairs.push(String(at), s.field);
  }
  return { hashes: [...hashes.keys()], pairs };
}

/** One EVAL claims every key of a bundle; a claim already there comes back as its value. */
async function claimSlots(o: DedupOptions, keys: readonly string[], value: Buffer): Promise<unknown[]> {
  const { hashes, pairs } = slotArgs(o.prefix, keys, 1);
  const res = await o.redis.callBuffer(
    'EVAL',
    CLAIM,
    hashes.length,
    ...hashes,
    String(o.windowMs),
    value,
    ...pairs,
  );
  return Array.isArray(res) ? res : [];
}

/**
 * Marks `jobId` stored (after its INSERT, before it completes): its done marker for the window,
 * and each of its messages' claims still naming it shrunk to the one-byte stored mark, so a
 * claim costs its 16-byte field and the mark for the rest of the window (docs/ingest.md#replay-window).
 */
export async function markStored(
  redis: Redis,
  prefix: string,
  jobId: string,
  keys: readonly string[],
  windowMs: number,
): Promise<void> {
  const { hashes, pairs } = slotArgs(prefix, keys, 2);
  const done = doneKey(prefix, jobId);
  await redis.eval(
    STORED,
    1 + hashes.length,
    done,
    ...hashes,
    String(windowMs),
    claimPrefix(jobId),
    ...pairs,
  );
}

interface Owner {
  job: string;
  claimMs: number;
  node: string;
}

/** Who holds a claim found: its job, when it was made, and the node (none without a lease). */
function ownerOf(v: Buffer | undefined, nowMs: number): Owner {
  const { job, tail } = v ? decodeClaim(v) : { job: '', tail: '0' };
  // A claim time (no lease) or a node id (node ids start with a letter).
  if (/^\d+$/.test(tail)) return { job, claimMs: Number(tail), node: '' };
  return { job, claimMs: claimTime(job, nowMs), node: tail };
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
  const value = encodeClaim(jobId, o.lease ? o.lease.nodeId : String(nowMs));
  const found = (await claimSlots(o, keys, value)).map((v) => (v instanceof Uint8Array ? Buffer.from(v) : v));
  // A claim marked stored is a duplicate outright; any other is resolved by its job and node.
  const verdicts: ClaimVerdict[] = found.map((v) =>
    v === 1 ? 'fresh' : v instanceof Buffer && isStoredClaim(v) ? 'duplicate' : 'pending',
  );
  const taken = verdicts.flatMap((v, i) => (v === 'pending' ? [i] : []));
  if (taken.length === 0) return verdicts;
  const owners = taken.map((i) => {
    const v = found[i];
    return v instanceof Buffer ? v : undefined;
  });
  const parsed = owners.map((v) => ownerOf(v, nowMs));
  const check = o.redis.pipeline();
  for (const { job, node } of parsed) {
    check.exists(`${o.queueKey}:${job}`, doneKey(o.prefix, job));
    check.exists(node ? nodeKey(o.prefix, node) : `${o.prefix}:ingest:node:-`);
  }
  const res = ((await check.exec()) ?? []).map((r) => Number(r[1]));
  const retake = o.redis.pipeline();
  const retaken: number[] = [];
  taken.forEach((i, k) => {
    const { job, claimMs, node } = parsed[k]!;
    // A claim naming a node whose lease is gone: that node died before adding the job.
    const orphan = node !== '' && (res[2 * k + 1] ?? 1) === 0;
    if (job === jobId)
      verdicts[i] = 'duplicate'; // the same key twice in one bundle
    else if ((res[2 * k] ?? 0) > 0) verdicts[i] = 'duplicate';
    else if (!owners[k] || orphan || nowMs - claimMs > o.claimGraceMs) {
      // Compare-and-set: of two nodes retaking the same orphan claim, one wins.
      const s = replaySlot(keys[i]!);
      const old = owners[k] ?? '';
      retake.eval(CAS, 1, replayKey(o.prefix, s.bucket), s.field, old, value, String(o.windowMs));
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
