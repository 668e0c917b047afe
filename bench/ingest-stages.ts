/**
 * bench:ingest's breakdown of the publish → queryable latency (docs/ingest.md, "Where the p99
 * goes"): the chain's stage timestamps (ingest/stage-trace.ts) joined per hit in the latency
 * phase, and the main thread's event-loop delay and GC pauses over the same time. Each hit's
 * latency is the sum of its stages:
 *
 *   gateway     hand-over → its envelope built (the publisher's flushMs)
 *   toReceiver  envelope built → the receiver's bundler has it (spool, MQTT, aedes, intake)
 *   bundle      → its bundle cut (bundleMaxMs, or the hold while jobs wait)
 *   flushWait   → its bundle's flush started (the flush before it ended: one at a time)
 *   room        → room found in the queue (the waiting count; backpressure)
 *   claim       → its replay keys claimed
 *   blocks      → the lease checked, its block encoded and written beside the job
 *   add         → its job added (in Redis)
 *   queue       → a worker's processor started on it
 *   fetch       → its blocks read
 *   turnWait    → its INSERT turn started (the INSERT before it returned)
 *   record      → its INSERT started (the group record)
 *   insert      → the INSERT returned
 *   acks        → the listener saw it stored (marking, done markers)
 */
import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { decodeTime } from 'ulid';
import type { BundleJob } from '../ingest/jobs.js';
import type { StageTrace } from '../ingest/stage-trace.js';

export const STAGES = [
  'gateway',
  'toReceiver',
  'bundle',
  'flushWait',
  'room',
  'claim',
  'blocks',
  'add',
  'queue',
  'fetch',
  'turnWait',
  'record',
  'insert',
  'acks',
] as const;

type Stage = (typeof STAGES)[number];

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function setOnce<K, V>(m: Map<K, V>, k: K, v: V): void {
  if (!m.has(k)) m.set(k, v);
}

/** One stored hit: its stages (ms, STAGES order), the total, and the jobs of its INSERT. */
interface HitStages {
  total: number;
  d: number[];
  jobs: readonly string[];
  /** Its hand-over, ms after the recording started. */
  at: number;
}

export interface StageSummary {
  hits: number;
  /** Median and p99 of each stage over all hits, ms. */
  all: Record<Stage, { p50: number; p99: number }>;
  /** The slowest 1 % of hits: each stage's median, p90 and largest, and its mean share of the total. */
  slowest1pct: Record<Stage, { p50: number; p90: number; max: number; share: number }> & {
    hits: number;
    totalP50: number;
    /** Jobs and rows in the INSERT that stored them (median). */
    insertJobsP50: number;
    insertRowsP50: number;
    /** When they were handed over, s after the phase started: first, median, last. */
    atS: { min: number; p50: number; max: number };
    /** Distinct INSERTs that stored them. */
    inserts: number;
  };
  /** The main thread's event-loop delay over the latency phase, ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** GC pauses (main thread) over the latency phase. */
  gc: { count: number; totalMs: number; maxMs: number; over50ms: number };
}

/** Records the chain's stage timestamps while `on`, and joins them per stored hit. */
export class StageRecorder {
  private on = false;
  private readonly recv = new Map<string, { key: string; ms: number }>();
  private readonly cutMs = new Map<string, number>();
  private readonly queuedMs = new Map<string, number[]>();
  private readonly pickedMs = new Map<string, number>();
  private readonly readyMs = new Map<string, number>();
  private readonly turns = new Map<string, { turn: number; insert: number; done: number; jobs: string[] }>();
  private readonly rowsOf = new Map<string, number>();
  private readonly hits: HitStages[] = [];
  private loop: IntervalHistogram | undefined;
  private gcObs: PerformanceObserver | undefined;
  private readonly gcMs: number[] = [];

  readonly trace: StageTrace = {
    received: (key, hits, ms) => {
      if (!this.on) return;
      for (const h of hits) setOnce(this.recv, h.id, { key, ms });
    },
    cut: (keys, ms) => {
      if (this.on) for (const k of keys) setOnce(this.cutMs, k, ms);
    },
    queued: (id, keys, ms, marks) => {
      this.jobs.push(keys.length);
      if (this.on) setOnce(this.queuedMs, id, [...marks, ms]);
    },
    picked: (id, ms) => this.on && setOnce(this.pickedMs, id, ms),
    ready: (id, ms) => this.on && setOnce(this.readyMs, id, ms),
    turn: (ids, turn, insert, done) => {
      if (!this.on) return;
      for (const id of ids) setOnce(this.turns, id, { turn, insert, done, jobs: [...ids] });
    },
  };

  private startMs = 0;
  /** Messages in each job queued since the last `jobTally` (recorded whether on or not). */
  private jobs: number[] = [];

  /** Jobs queued since the last call and their messages (median, largest); starts a new tally. */
  jobTally(): { jobs: number; messagesP50: number; messagesMax: number } {
    const m = [...this.jobs].sort((a, b) => a - b);
    this.jobs = [];
    return { jobs: m.length, messagesP50: pct(m, 50), messagesMax: m.at(-1) ?? 0 };
  }

  start(): void {
    this.on = true;
    this.startMs = Date.now();
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    this.gcObs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcMs.push(e.duration);
    });
    this.gcObs.observe({ entryTypes: ['gc'] });
  }

  /** A job the worker stored (bench:ingest's onStored), at `nowMs`; hits tagged `tag` are joined. */
  stored(job: BundleJob, jobId: string, nowMs: number, tag: string): void {
    if (!this.on) return;
    this.rowsOf.set(jobId, job.hitCount ?? job.hits.length);
    const t = this.turns.get(jobId);
    for (const h of job.hits) {
      if (h.model !== tag) continue;
      const r = this.recv.get(h.id);
      const cut = r ? this.cutMs.get(r.key) : undefined;
      const q = this.queuedMs.get(jobId);
      const p = this.pickedMs.get(jobId);
      const rd = this.readyMs.get(jobId);
      if (!r || cut === undefined || q?.length !== 5 || p === undefined || rd === undefined || !t) continue;
      const sent = decodeTime(r.key.slice(r.key.lastIndexOf(':') + 1));
      const marks = [h.ts, sent, r.ms, cut, ...q, p, rd, t.turn, t.insert, t.done, nowMs];
      const d = STAGES.map((_, i) => marks[i + 1]! - marks[i]!);
      this.hits.push({ total: nowMs - h.ts, d, jobs: t.jobs, at: h.ts - this.startMs });
    }
  }

  /** Stops recording and summarises. */
  summary(): StageSummary {
    this.on = false;
    this.loop?.disable();
    this.gcObs?.disconnect();
    // An INSERT's rows: its jobs' rows (known once all of them were stored).
    const rows = (h: HitStages) => h.jobs.reduce((n, id) => n + (this.rowsOf.get(id) ?? 0), 0);
    const byTotal = [...this.hits].sort((a, b) => a.total - b.total);
    const slow = byTotal.slice(Math.floor(byTotal.length * 0.99));
    const col = (xs: HitStages[], i: number) => xs.map((h) => h.d[i]!).sort((a, b) => a - b);
    const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);
    const slowTotal = sum(slow.map((h) => h.total));
    const all = Object.fromEntries(
      STAGES.map((s, i) => {
        const c = col(byTotal, i);
        return [s, { p50: pct(c, 50), p99: pct(c, 99) }];
      }),
    ) as StageSummary['all'];
    const slowest = Object.fromEntries(
      STAGES.map((s, i) => {
        const c = col(slow, i);
        const share = slowTotal > 0 ? Math.round((sum(c) / slowTotal) * 1000) / 1000 : 0;
        return [s, { p50: pct(c, 50), p90: pct(c, 90), max: c[c.length - 1] ?? Number.NaN, share }];
      }),
    ) as Omit<
      StageSummary['slowest1pct'],
      'hits' | 'totalP50' | 'insertJobsP50' | 'insertRowsP50' | 'atS' | 'inserts'
    >;
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    const at = sorted(slow.map((h) => Math.round(h.at / 100) / 10));
    return {
      hits: this.hits.length,
      all,
      slowest1pct: {
        ...slowest,
        hits: slow.length,
        totalP50: pct(sorted(slow.map((h) => h.total)), 50),
        insertJobsP50: pct(sorted(slow.map((h) => h.jobs.length)), 50),
        insertRowsP50: pct(sorted(slow.map(rows)), 50),
        atS: { min: at[0] ?? Number.NaN, p50: pct(at, 50), max: at.at(-1) ?? Number.NaN },
        inserts: new Set(slow.map((h) => h.jobs.join())).size,
      },
      eventLoopDelayMs: {
        p50: ms(this.loop?.percentile(50) ?? 0),
        p99: ms(this.loop?.percentile(99) ?? 0),
        max: ms(this.loop?.max ?? 0),
      },
      gc: {
        count: this.gcMs.length,
        totalMs: Math.round(sum(this.gcMs)),
        maxMs: Math.round(Math.max(0, ...this.gcMs)),
        over50ms: this.gcMs.filter((x) => x > 50).length,
      },
    };
  }
}

/** Redis's own latency events (`LATENCY HISTORY`), by event, inside [fromMs, toMs]. */
export interface RedisStalls {
  events: Record<string, { count: number; maxMs: number; totalMs: number }>;
  /** AOF rewrites since Redis started. */
  aofRewrites: number;
}

/** Turns on Redis's latency monitor: every event (an fsync, a fork, a command) over `ms` is kept. */
export async function watchRedisLatency(redis: Redis, ms = 20): Promise<void> {
  await redis.config('SET', 'latency-monitor-threshold', String(ms));
}

/** The latency events Redis recorded between `fromMs` and `toMs` (its history holds 160 per event). */
export async function redisStalls(redis: Redis, fromMs: number, toMs: number): Promise<RedisStalls> {
  const latest = (await redis.call('LATENCY', 'LATEST')) as [string, number, number, number][];
  const events: RedisStalls['events'] = {};
  for (const [name] of latest) {
    const h = (await redis.call('LATENCY', 'HISTORY', name)) as [number, number][];
    const inside = h.filter(([s]) => s * 1000 >= fromMs - 1000 && s * 1000 <= toMs + 1000).map(([, v]) => v);
    if (inside.length)
      events[name] = {
        count: inside.length,
        maxMs: Math.max(...inside),
        totalMs: inside.reduce((n, x) => n + x, 0),
      };
  }
  const info = await redis.info('persistence');
  return { events, aofRewrites: Number(/aof_rewrites:(\d+)/.exec(info)?.[1] ?? 0) };
}
