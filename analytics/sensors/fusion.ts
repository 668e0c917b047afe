/**
 * Sensor tasks with the cameras around them (docs/iot.md): when a task opens for a sensor,
 * the snapshots of cameras within `fusion.cameraRadiusM` taken within `fusion.windowMs` of
 * the event are attached to it (`nearby_added`, analytics/tasks/model.ts) — once at once (what
 * was seen before), and once more when the window after the event has passed. The second pass
 * is a delayed BullMQ job (queue `sensor-fusion`, one job id per task): it survives a restart of
 * the process that opened the task, and it runs once whichever alert engines share the Redis.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Camera } from '../../contracts/config/org.js';
import type { FusionSection } from '../../contracts/config/sensors.js';
import { haversineM } from '../../contracts/geo.js';
import type { Logger } from '../../contracts/log.js';
import { sql } from '../sql.js';
import type { Store } from '../store.js';
import type { NearbySnapshot, Task } from '../tasks/model.js';
import type { SensorCatalog } from './catalog.js';

/** Cameras within `radiusM` of a point, nearest first. Pure. */
export function camerasNear(
  at: { lat: number; lon: number },
  cameras: readonly Pick<Camera, 'id' | 'lat' | 'lon'>[],
  radiusM: number,
): Array<{ id: string; distanceM: number }> {
  return cameras
    .map((c) => ({ id: c.id, distanceM: Math.round(haversineM(at, c)) }))
    .filter((c) => c.distanceM <= radiusM)
    .sort((a, b) => a.distanceM - b.distanceM);
}

/** Time after the window before the second pass, ms (late snapshots are still being written). */
const SETTLE_MS = 5_000;

export const FUSION_QUEUE = 'sensor-fusion';

/** A second pass waiting in the queue. */
interface LaterPass {
  taskId: string;
  near: Array<{ id: string; distanceM: number }>;
  atMs: number;
}

export interface FusionOptions {
  store: Store;
  catalog: SensorCatalog;
  cameras: readonly Camera[];
  fusion: Readonly<FusionSection>;
  log: Logger;
  now: () => number;
  /** Attaches snapshots to a task (a `nearby_added` event through the task service). */
  apply: (taskId: string, snapshots: NearbySnapshot[]) => Promise<void>;
  /** Redis for the second passes' queue, and a blocking connection for its worker. */
  queueConn: Redis;
  workerConn: Redis;
  prefix: string;
  /** Time after the window before the second pass, ms (default 5 s). */
  settleMs?: number;
}

export class SensorFusion {
  private readonly queue: Queue<LaterPass>;
  private readonly worker: Worker<LaterPass>;

  constructor(private readonly o: FusionOptions) {
    this.queue = new Queue<LaterPass>(FUSION_QUEUE, { connection: o.queueConn, prefix: o.prefix });
    this.worker = new Worker<LaterPass>(
      FUSION_QUEUE,
      async (job) => {
        await this.pass(job.data.taskId, job.data.near, job.data.atMs, true);
      },
      { connection: o.workerConn, prefix: o.prefix, concurrency: 4 },
    );
    this.worker.on('error', (e) => o.log.warn({ err: e.message }, 'sensor fusion worker error'));
  }

  /** Tasks just opened: the sensor ones get their nearby snapshots. Never rejects. */
  onOpened(tasks: readonly Task[]): void {
    const f = this.o.fusion;
    if (f.cameraRadiusM <= 0 || f.maxSnapshots <= 0) return;
    for (const t of tasks) {
      const s = this.o.catalog.get(t.camera);
      if (!s) continue;
      const near = camerasNear(s, this.o.cameras, f.cameraRadiusM);
      if (near.length === 0) continue;
      const atMs = Number.isFinite(t.firstHitMs) ? t.firstHitMs : t.openedMs;
      void this.pass(t.id, near, atMs);
      const dueMs = atMs + f.windowMs + (this.o.settleMs ?? SETTLE_MS) - this.o.now();
      if (dueMs > 0) this.later({ taskId: t.id, near, atMs }, dueMs);
    }
  }

  /** The second pass, once per task (its job id), kept in Redis until due. */
  private later(p: LaterPass, delayMs: number): void {
    this.queue
      .add('later', p, {
        jobId: `later-${p.taskId.replace(/:/g, '_')}`,
        delay: delayMs,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: 100,
      })
      .catch((e: unknown) =>
        this.o.log.warn({ err: String(e), taskId: p.taskId }, 'second nearby-snapshots pass not queued'),
      );
  }

  private async pass(
    taskId: string,
    near: Array<{ id: string; distanceM: number }>,
    atMs: number,
    rethrow = false,
  ): Promise<void> {
    const f = this.o.fusion;
    try {
      const dist = new Map(near.map((c) => [c.id, c.distanceM]));
      const rows = await this.o.store.query<{ id: string; camera: string; ts_ms: string; snapshot: string }>(
        sql('nearby_snapshots'),
        {
          cameras: [...dist.keys()],
          from: atMs - f.windowMs,
          to: atMs + f.windowMs,
          at: atMs,
          limit: f.maxSnapshots,
        },
      );
      if (rows.length === 0) return;
      await this.o.apply(
        taskId,
        rows.map((r) => ({
          hitId: r.id,
          camera: r.camera,
          tsMs: Number(r.ts_ms),
          snapshot: r.snapshot,
          distanceM: dist.get(r.camera) ?? 0,
        })),
      );
    } catch (e) {
      this.o.log.warn({ err: String(e), taskId }, 'nearby snapshots not attached');
      if (rethrow) throw e; // the queued pass is retried
    }
  }

  /** Stops taking second passes here; those not yet due stay queued for the next engine. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}
