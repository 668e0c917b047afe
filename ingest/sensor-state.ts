/**
 * The sensor rules' state in Redis (docs/iot.md), shared by every ingest worker: each sensor's
 * state (analytics/sensors/engine.ts encodeState) in one hash and its version in another, the
 * time rules began watching (silence counts from it for a sensor never heard from), the rows a
 * job derived (so a retry in any process stores the same ones), and the silence check's lock.
 *
 * Writes are compare-and-set on the versions, in one Lua script: a worker that evaluated a job
 * against an old copy of a sensor gets the current states back and evaluates again; the job's
 * rows are kept in the same step. Keys share a hash tag, so the script also runs on a cluster.
 */
import type { Redis } from 'ioredis';
import type { HitRow } from '../analytics/hit-rows.js';

/** A sensor's state as stored: its version (0: never written) and encoded state ('' none). */
export interface Stored {
  v: number;
  state: string;
}

export interface CasWrite {
  id: string;
  /** The version the state was evaluated against. */
  expect: number;
  state: string;
}

// KEYS: states, versions, job rows. ARGV: n, partial (1: write what matches, skip the rest),
// job rows JSON ('' none), their TTL ms, then n × (id, expected version, state).
// Returns the ids that did not match, each with its current version and state.
const CAS = `
local n = tonumber(ARGV[1])
local bad = {}
for i = 0, n - 1 do
  local id = ARGV[5 + i * 3]
  local cur = redis.call('HGET', KEYS[2], id) or '0'
  if cur ~= ARGV[6 + i * 3] then
    bad[#bad + 1] = id
    bad[#bad + 1] = cur
    bad[#bad + 1] = redis.call('HGET', KEYS[1], id) or ''
  end
end
if #bad > 0 and ARGV[2] ~= '1' then return bad end
local skip = {}
for i = 1, #bad, 3 do skip[bad[i]] = true end
for i = 0, n - 1 do
  local id = ARGV[5 + i * 3]
  if not skip[id] then
    redis.call('HSET', KEYS[2], id, tonumber(ARGV[6 + i * 3]) + 1)
    redis.call('HSET', KEYS[1], id, ARGV[7 + i * 3])
  end
end
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4]) end
return bad
`;

export class SensorStateStore {
  private readonly states: string;
  private readonly versions: string;
  private readonly sinceKey: string;
  private readonly tickKey: string;
  private readonly aliveKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    const base = `${prefix}:{sensor-rules}`;
    this.states = `${base}:state`;
    this.versions = `${base}:version`;
    this.sinceKey = `${base}:since`;
    this.tickKey = `${base}:tick`;
    this.aliveKey = `${base}:alive`;
  }

  private jobKey(jobId: string): string {
    return `${this.prefix}:{sensor-rules}:job:${jobId}`;
  }

  /**
   * When the rules began watching: silence counts from then at the earliest. A worker joining
   * others (one of them marked itself alive within `aliveTtlMs`) reads it; a cold start (no
   * worker alive: the whole tier was down, and gateways' spooled readings are still to come)
   * sets it to `nowMs`, so sensors are not all reported offline for the downtime.
   */
  async since(nowMs: number, aliveTtlMs: number): Promise<number> {
    const warm = (await this.redis.exists(this.aliveKey)) === 1;
    if (warm) await this.redis.set(this.sinceKey, String(nowMs), 'NX');
    else await this.redis.set(this.sinceKey, String(nowMs));
    await this.alive(aliveTtlMs);
    return Number(await this.redis.get(this.sinceKey)) || nowMs;
  }

  /** This worker is running (for `since`). */
  async alive(ttlMs: number): Promise<void> {
    await this.redis.set(this.aliveKey, '1', 'PX', ttlMs);
  }

  /** Every stored state. */
  async all(): Promise<Map<string, Stored>> {
    const [states, versions] = await Promise.all([
      this.redis.hgetall(this.states),
      this.redis.hgetall(this.versions),
    ]);
    const out = new Map<string, Stored>();
    for (const [id, v] of Object.entries(versions)) out.set(id, { v: Number(v), state: states[id] ?? '' });
    return out;
  }

  /**
   * Writes states evaluated against versions `expect`. Not `partial`: all or nothing — on any
   * mismatch nothing is written and the current states of the mismatched ids come back.
   * `partial`: the matching ones are written and the others come back. `job` rows are kept
   * (for `ttlMs`) when anything was written.
   */
  async cas(
    writes: readonly CasWrite[],
    o: { partial?: boolean; job?: { id: string; rows: readonly HitRow[]; ttlMs: number } } = {},
  ): Promise<Map<string, Stored>> {
    const args: string[] = [
      String(writes.length),
      o.partial ? '1' : '0',
      o.job ? JSON.stringify(o.job.rows) : '',
      String(o.job?.ttlMs ?? 1),
    ];
    for (const w of writes) args.push(w.id, String(w.expect), w.state);
    const jobKey = this.jobKey(o.job?.id ?? '-');
    const bad = (await this.redis.eval(CAS, 3, this.states, this.versions, jobKey, ...args)) as string[];
    const out = new Map<string, Stored>();
    for (let i = 0; i + 2 < bad.length; i += 3)
      out.set(bad[i]!, { v: Number(bad[i + 1]), state: bad[i + 2]! });
    return out;
  }

  /** The rows a job derived when it was first evaluated (a retry gets these), or undefined. */
  async kept(jobId: string): Promise<HitRow[] | undefined> {
    const text = await this.redis.get(this.jobKey(jobId));
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as HitRow[];
    } catch {
      return undefined;
    }
  }

  /** The job is stored: its kept rows are no longer needed. */
  async forget(jobId: string): Promise<void> {
    await this.redis.del(this.jobKey(jobId));
  }

  /** The silence check's turn: true for one worker per `ttlMs`. */
  async tickTurn(ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.tickKey, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }
}
