/**
 * The sensor rules in the ingest worker (docs/iot.md): each stored job's readings step the
 * rule engine (analytics/sensors/engine.ts) and the firings are stored as event hits in the
 * job's own INSERT (ingest/jobs.ts Deriver), so they reach the alert engine with the batch; a
 * timer checks silence and stores offline events the same way. Adapter: owns the timer.
 */
import type { HitRow } from '../analytics/hit-rows.js';
import type { SensorCatalog } from '../analytics/sensors/catalog.js';
import { firingRows, SensorRuleEngine } from '../analytics/sensors/engine.js';
import type { Store } from '../analytics/store.js';
import type { Logger } from '../contracts/log.js';
import type { BundleJob, Deriver } from './jobs.js';

/** Derived rows kept for a retry of their job; past this the oldest are forgotten. */
const KEPT_JOBS_MAX = 1_000;

export interface SensorRulesOptions {
  catalog: SensorCatalog;
  store: Store;
  log: Logger;
  /** How often silence is checked, ms. */
  tickMs: number;
  /** Offline events stored: handed on like a stored job's hits (to the alert engine). */
  onEvents: (rows: HitRow[]) => void;
  nowMs?: () => number;
}

export class SensorRules implements Deriver {
  readonly engine: SensorRuleEngine;
  private readonly kept = new Map<string, HitRow[]>();
  private readonly timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly o: SensorRulesOptions) {
    this.now = o.nowMs ?? Date.now;
    this.engine = new SensorRuleEngine(o.catalog, this.now());
    if (this.engine.tracked > 0) {
      this.timer = setInterval(() => {
        this.ticking = this.ticking.then(async () => {
          await this.tick();
        });
      }, o.tickMs);
      this.timer.unref();
    }
  }

  /**
   * The job's derived rows. The engine's state moves on at once (jobs run concurrently and
   * must see each other's readings in order); a retry of the job in this process gets the
   * rows it got the first time, under the same dedup token.
   */
  rows(job: BundleJob, jobId: string): HitRow[] {
    const kept = this.kept.get(jobId);
    if (kept) return kept;
    if (!job.readings?.length) return [];
    const { firings, commit } = this.engine.evaluate(job.readings);
    commit();
    const rows = firingRows(firings);
    if (this.kept.size >= KEPT_JOBS_MAX) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.set(jobId, rows);
    return rows;
  }

  done(jobId: string): void {
    this.kept.delete(jobId);
  }

  /** Checks silence now; stores the offline events, then commits (a failed insert retries next tick). */
  async tick(): Promise<number> {
    const { firings, commit } = this.engine.tick(this.now());
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
    commit();
    this.o.onEvents(rows);
    return rows.length;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
  }
}
