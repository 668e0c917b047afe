/**
 * The ingest worker side (docs/ingest.md): BullMQ workers that write queued bundles into the
 * store (then hand the stored hits on: the alert engine), and the periodic sweep of snapshots
 * no stored hit names.
 */
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type RedisTarget, redisConnection } from '../analytics/redis.js';
import type { HitRow } from '../analytics/hit-rows.js';
import {
  appendStored,
  STORED_CLAIM_IDLE_MS,
  type StoredFeed,
  startStoredFeed,
} from '../analytics/stored-feed.js';
import type { Store } from '../analytics/store.js';
import type { CityConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import { type BundleJob, startWorker } from './jobs.js';
import type { IngestMetrics } from './metrics.js';
import { sweepOrphanSnapshots } from './orphans.js';
import { SensorCatalog } from '../analytics/sensors/catalog.js';
import { SensorRules } from './sensor-rules.js';
import type { StageTrace } from './stage-trace.js';

export interface WorkerSideOptions {
  cfg: CityConfig['ingest'];
  redisUrl: RedisTarget;
  /** The producer connection (the sweep's Redis reads). */
  redis: Redis;
  prefix: string;
  store: Store;
  metrics: IngestMetrics;
  log: Logger;
  onStored?: (job: BundleJob, jobId: string) => void;
  /**
   * The alert engine's side of the durable hand-off (analytics/stored-feed.ts): every stored
   * batch is recorded in the stored-batch feed before its job completes, and this is called
   * for each entry until it resolves once.
   */
  matchStored?: (rows: HitRow[], jobId: string) => Promise<void>;
  /** The validated city (sensor catalogue for the rules run where readings are stored). */
  config: CityConfig;
  /** Stage timestamps (bench:ingest's latency breakdown; ingest/stage-trace.ts). */
  trace?: StageTrace;
}

export interface WorkerSide {
  running(): boolean;
  close(): Promise<void>;
}

export function startWorkerSide(o: WorkerSideOptions): WorkerSide {
  const { cfg, metrics, log } = o;
  const conn = redisConnection(o.redisUrl, log, { worker: true });
  // Sensor rules run where readings are stored (docs/iot.md); offline events go the same way.
  const rules = new SensorRules({
    catalog: new SensorCatalog(o.config, false),
    store: o.store,
    log,
    redis: o.redis,
    prefix: o.prefix,
    keptTtlMs: cfg.replayWindowMs,
    tickMs: cfg.sensorSilenceCheckMs,
    onEvents: (hits) => {
      o.onStored?.({ v: 1, hits, snapshots: [], quarantine: [], keys: [], firstMs: Date.now() }, '');
      o.matchStored?.(hits, '').catch((e: unknown) =>
        log.error({ err: (e as Error).message }, 'alert engine failed on sensor events'),
      );
    },
  });
  const worker: Worker<BundleJob> = startWorker({
    derive: rules,
    connection: conn,
    prefix: o.prefix,
    store: o.store,
    concurrency: cfg.workerConcurrency,
    coalesce: { maxRows: cfg.coalesceMaxRows, maxBytes: cfg.coalesceMaxBytes, jobs: cfg.coalesceJobs },
    doneTtlMs: cfg.replayWindowMs,
    log,
    onWritten: (hits, snapshots) => metrics.stored(hits, snapshots),
    ...(o.onStored ? { onStored: o.onStored } : {}),
    ...(o.matchStored
      ? {
          afterInsert: (block, id) => appendStored(conn, o.prefix, block, id, cfg.replayWindowMs),
        }
      : {}),
    onFailed: (_id, exhausted) => (exhausted ? metrics.dead() : metrics.retry()),
    ...(o.trace ? { trace: o.trace } : {}),
  });
  const feed: Promise<StoredFeed | undefined> = o.matchStored
    ? startStoredFeed({
        redisUrl: o.redisUrl,
        prefix: o.prefix,
        log,
        handle: o.matchStored,
        claimIdleMs: STORED_CLAIM_IDLE_MS,
      }).catch((e: unknown) => {
        log.error({ err: (e as Error).message }, 'stored-batch feed did not start; alerts wait');
        return undefined;
      })
    : Promise.resolve(undefined);
  const sweep = {
    store: o.store,
    redis: o.redis,
    prefix: o.prefix,
    graceMs: cfg.snapshotGraceMs,
    sliceMs: cfg.orphanSweepMs,
  };
  const sweeper = setInterval(() => {
    sweepOrphanSnapshots(sweep, Date.now()).catch((e: unknown) =>
      log.warn({ err: String(e) }, 'orphan snapshot sweep failed'),
    );
  }, cfg.orphanSweepMs);
  sweeper.unref();
  return {
    running: () => worker.isRunning(),
    async close() {
      clearInterval(sweeper);
      await (await feed)?.close();
      await rules.close();
      await worker.close();
      conn.disconnect();
    },
  };
}
