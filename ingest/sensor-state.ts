/**
 * The sensor rules' state in Redis (docs/iot.md), shared by every ingest worker: each sensor's
 * version and state (analytics/sensors/engine.ts encodeState) in one hash field, the
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

// KEYS: states (sensor id → "<version>|<state>"), job rows. ARGV: partial ('1': write what
// matches, skip the rest), job rows JSON ('' none), their TTL ms, then three '\n'-joined lists
// of the same length: ids, expected versions, states (JSON has no raw newline). Packed and
// chunked: one argument per list and one HMGET / HSET per 500 sensors, not per sensor.
// Returns the ids that did not match, each with its current version and state.
const CAS = `
local function split(s)
  local t = {}
  for x in string.gmatch(s, '[^\\n]+') do t[#t + 1] = x end
  return t
end
local ids, want, states = split(ARGV[4]), split(ARGV[5]), split(ARGV[6])
local n, CH = #ids, 500
local cur = {}
for i = 1, n, CH do
  local got = redis.call('HMGET', KEYS[1], unpack(ids, i, math.min(n, i + CH - 1)))
  for k = 1, #got do cur[i + k - 1] = got[k] end
end
local bad, skip = {}, {}
for i = 1, n do
  local c = cur[i]
  local v, st = '0', ''
  if c then
    local bar = string.find(c, '|', 1, true)
    v, st = string.sub(c, 1, bar - 1), string.sub(c, bar + 1)
  end
  if v ~= want[i] then
    bad[#bad + 1] = ids[i]; bad[#bad + 1] = v; bad[#bad + 1] = st
    skip[i] = true
  end
end
if #bad > 0 and ARGV[1] ~= '1' then return bad end
local args = {}
for i = 1, n do
  if not skip[i] then
    args[#args + 1] = ids[i]
    args[#args + 1] = (tonumber(want[i]) + 1) .. '|' .. states[i]
    if #args >= 2 * CH then redis.call('HSET', KEYS[1], unpack(args)); args = {} end
  end
end
if #args > 0 then redis.call('HSET', KEYS[1], unpack(args)) end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
return bad
`;

export class SensorStateStore {
  private readonly states: string;
  private readonly sinceKey: string;
  private readonly tickKey: string;
  private readonly aliveKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    const base = `${prefix}:{sensor-rules}`;
    this.states = `${base}:state`;
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
    const out = new Map<string, Stored>();
    for (const [id, text] of Object.entries(await this.redis.hgetall(this.states))) {
      const bar = text.indexOf('|');
      out.set(id, { v: Number(text.slice(0, bar)), state: text.slice(bar + 1) });
    }
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
    const args = [
      o.partial ? '1' : '0',
      o.job ? JSON.stringify(o.job.rows) : '',
      String(o.job?.ttlMs ?? 1),
      writes.map((w) => w.id).join('\n'),
      writes.map((w) => w.expect).join('\n'),
      writes.map((w) => w.state).join('\n'),
    ];
    const jobKey = this.jobKey(o.job?.id ?? '-');
    const bad = (await this.redis.eval(CAS, 2, this.states, jobKey, ...args)) as string[];
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
