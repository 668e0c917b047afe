/**
 * The sensor rules in the ingest worker (docs/iot.md): each stored job's readings step the
 * rule engine (analytics/sensors/engine.ts) and the firings are stored as event hits in the
 * job's own INSERT (ingest/jobs.ts Deriver), so they reach the alert engine with the batch; a
 * timer checks silence and stores offline events the same way.
 *
 * The state every worker agrees on is in Redis (ingest/sensor-state.ts); this process keeps a
 * copy with the versions it last saw. A job is evaluated against the copy and written back
 * compare-and-set: when another worker moved one of its sensors on meanwhile, the copy takes
 * in the current states and the job is evaluated again. The silence check runs in one worker
 * per interval (a Redis lock), against all states read fresh. Adapter: owns the timer.
 */
import type { Redis } from 'ioredis';
import type { HitRow } from '../analytics/hit-rows.js';
import type { SensorCatalog } from '../analytics/sensors/catalog.js';
import { decodeState, encodeState, firingRows, SensorRuleEngine } from '../analytics/sensors/engine.js';
import { blockReadingsOf } from '../analytics/sensors/reading-block.js';
import type { ReadingRow } from '../analytics/sensors/rows.js';
import type { Store } from '../analytics/store.js';
import type { SilenceState } from '../analytics/sensors/rules.js';
import type { Logger } from '../contracts/log.js';
import type { BundleJob, Deriver } from './jobs.js';
import { type CasWrite, SensorStateStore, type Stored } from './sensor-state.js';

/** Derived rows kept in this process for a retry of their job; past this the oldest are forgotten. */
const KEPT_JOBS_MAX = 1_000;
/** Evaluations of one job against states other workers keep moving on, at most. */
const MAX_TRIES = 8;

export interface SensorRulesOptions {
  catalog: SensorCatalog;
  store: Store;
  log: Logger;
  /** Where the shared state is kept, and its key prefix. */
  redis: Redis;
  prefix: string;
  /** How long a job's derived rows are kept for its retries (the replay window), ms. */
  keptTtlMs: number;
  /** How often silence is checked, ms. */
  tickMs: number;
  /** Offline events stored: handed on like a stored job's hits (to the alert engine). */
  onEvents: (rows: HitRow[]) => void;
  nowMs?: () => number;
}

/**
 * Whether another worker wrote this sensor's silence as fired, from the same last reading,
 * while this one was storing its own firing: that worker reports it.
 */
function reportedElsewhere(
  moved: ReadonlyMap<string, Stored>,
  changed: ReadonlyMap<string, SilenceState>,
  id: string,
): boolean {
  const m = moved.get(id);
  const cur = m?.state ? decodeState(m.state) : undefined;
  return cur?.silence.fired === true && cur.silence.lastMs === changed.get(id)?.lastMs;
}

export class SensorRules implements Deriver {
  private engine: SensorRuleEngine | undefined;
  private loading: Promise<SensorRuleEngine> | undefined;
  /** Silence counts from here at the earliest (SensorStateStore.since). */
  private sinceMs = 0;
  private readonly shared: SensorStateStore;
  /** Versions of the states in this process's copy (absent: 0, never written). */
  private readonly versions = new Map<string, number>();
  private readonly kept = new Map<string, HitRow[]>();
  /** Jobs whose rules are running now. */
  private readonly running = new Map<string, Promise<HitRow[]>>();
  /** Ids of the sensors with state, as JSON strings (how a block line begins). */
  private ruled: Set<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  /** Evaluations repeated because another worker had moved a sensor on (tests, metrics). */
  conflicts = 0;

  constructor(private readonly o: SensorRulesOptions) {
    this.now = o.nowMs ?? Date.now;
    this.shared = new SensorStateStore(o.redis, o.prefix);
    void this.ready().catch(() => undefined);
  }

  /** The engine, once the shared state is loaded; a failed load is tried again by the next caller. */
  private ready(): Promise<SensorRuleEngine> {
    if (!this.loading) {
      this.loading = this.load();
      this.loading.catch(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  private aliveTtlMs(): number {
    return 3 * this.o.tickMs;
  }

  private async load(): Promise<SensorRuleEngine> {
    const since = await this.shared.since(this.now(), this.aliveTtlMs());
    this.sinceMs = since;
    const engine = new SensorRuleEngine(this.o.catalog, since);
    this.engine = engine;
    if (engine.tracked === 0) return engine;
    this.take(await this.shared.all());
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(async () => {
        await this.tick().catch((e: unknown) =>
          this.o.log.warn({ err: String(e) }, 'sensor silence check failed; next tick retries'),
        );
      });
    }, this.o.tickMs);
    this.timer.unref();
    return engine;
  }

  /** Takes states written elsewhere into this process's copy. */
  private take(states: ReadonlyMap<string, Stored>): void {
    for (const [id, s] of states) {
      const st = s.state ? decodeState(s.state) : undefined;
      if (st && st.silence.lastMs < this.sinceMs) st.silence = { ...st.silence, lastMs: this.sinceMs };
      this.engine?.set(id, st);
      this.versions.set(id, s.v);
    }
  }

  private writes<T>(changed: ReadonlyMap<string, T>, encode: (id: string, x: T) => string): CasWrite[] {
    return [...changed].map(([id, x]) => ({ id, expect: this.versions.get(id) ?? 0, state: encode(id, x) }));
  }

  private bump(ids: Iterable<string>, except: ReadonlyMap<string, Stored> = new Map()): void {
    for (const id of ids) if (!except.has(id)) this.versions.set(id, (this.versions.get(id) ?? 0) + 1);
  }

  /**
   * The job's derived rows. The shared state moves on at once (jobs run concurrently, here and
   * in other workers, and must see each other's readings in order); a retry of the job in any
   * worker gets the rows it got the first time, under the same dedup token. `firstRun`: the job
   * was never started before (nothing of an earlier run to look up).
   */
  async rows(job: BundleJob, jobId: string, firstRun = false): Promise<HitRow[]> {
    const local = this.kept.get(jobId);
    if (local) return local;
    // A job's rules run once at a time here: a second caller (its INSERT turn, while the rules
    // it started early are still running, ingest/coalesce.ts) waits for the same run.
    const running = this.running.get(jobId);
    if (running) return running;
    const run = this.derive(job, jobId, firstRun);
    this.running.set(jobId, run);
    try {
      return await run;
    } finally {
      this.running.delete(jobId);
    }
  }

  private async derive(job: BundleJob, jobId: string, firstRun: boolean): Promise<HitRow[]> {
    if (!job.readings?.length && !job.readingBlock?.rows) return [];
    const engine = await this.ready();
    if (engine.tracked === 0) return [];
    // A job's first run has nothing kept by an earlier one: one round trip less (a group's
    // members run their rules one after another beside its INSERT, docs/iot.md).
    const kept = firstRun ? undefined : await this.shared.kept(jobId);
    if (kept) return kept;
    const readings = this.readingsOf(job, engine);
    for (let i = 0; i < MAX_TRIES; i++) {
      const { firings, changed, commit } = engine.evaluate(readings);
      const rows = firingRows(firings);
      const writes = this.writes(changed, (_id, st) => encodeState(st));
      const moved = await this.shared.cas(writes, { job: { id: jobId, rows, ttlMs: this.o.keptTtlMs } });
      if (moved.size === 0) {
        commit();
        this.bump(changed.keys());
        if (this.kept.size >= KEPT_JOBS_MAX) this.kept.delete(this.kept.keys().next().value as string);
        this.kept.set(jobId, rows);
        return rows;
      }
      this.conflicts++;
      this.take(moved);
    }
    throw new Error(`sensor rule state kept moving under job ${jobId}; the job is retried`);
  }

  /** The job's readings the rules read: from its block, only the lines of sensors with state. */
  private readingsOf(job: BundleJob, engine: SensorRuleEngine): readonly ReadingRow[] {
    if (job.readings || !job.readingBlock) return job.readings ?? [];
    this.ruled ??= new Set([...engine.ids()].map((id) => JSON.stringify(id)));
    return blockReadingsOf(job.readingBlock, this.ruled);
  }

  done(jobId: string): void {
    this.kept.delete(jobId);
    this.shared.forget(jobId).catch(() => undefined); // its TTL removes it otherwise
  }

  /**
   * Checks silence now, in one worker per interval: stores the offline events, then writes the
   * sensors' fired flags (a sensor a reading moved on meanwhile keeps the reading's state: it
   * proves the sensor alive). A failed insert retries next tick.
   */
  async tick(): Promise<number> {
    const engine = await this.ready();
    await this.shared.alive(this.aliveTtlMs());
    if (!(await this.shared.tickTurn(Math.max(1, this.o.tickMs - 50)))) return 0;
    this.take(await this.shared.all());
    const { firings, changed, commit } = engine.tick(this.now());
    if (firings.length === 0) return 0;
    const rows = firingRows(firings);
    try {
      await this.o.store.insert('hits', rows, {
        dedupToken: `offline:${rows[0]!.id}:${rows.length}`,
        settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
      });
    } catch (e) {
      this.o.log.warn({ err: String(e), events: rows.length }, 'offline events not stored; will retry');
      return 0;
    }
    const writes = this.writes(changed, (id, silence) => encodeState({ ...engine.get(id)!, silence }));
    const moved = await this.shared.cas(writes, { partial: true });
    commit();
    this.bump(changed.keys(), moved);
    this.take(moved);
    // The turn (tickTurn) can lapse during a slow INSERT and another worker then fires the same
    // silence: the compare-and-set decides which of the two reports it.
    const mine = rows.filter((_, i) => !reportedElsewhere(moved, changed, firings[i]!.sensor.id));
    if (mine.length) this.o.onEvents(mine);
    return mine.length;
  }

  async close(): Promise<void> {
    await this.loading?.catch(() => undefined);
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
  }
}
