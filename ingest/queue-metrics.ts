/**
 * Depth and age of BullMQ queues as Prometheus gauges, read from Redis at scrape time
 * (docs/ingest.md, "Metrics"): `xueliang_queue_jobs{queue,state}` and
 * `xueliang_queue_oldest_waiting_age_seconds{queue}`. Adapter (bullmq).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';

/** Job states reported (BullMQ's names). */
export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'waiting-children',
] as const;

export interface QueueMetricsOptions {
  registry: Registry;
  connection: Redis;
  prefix: string;
  /** Queue names under the prefix (ingest/jobs.ts QUEUE_NAME, the alert engine's queues). */
  names: readonly string[];
  now?: () => number;
}

/** A queue's label: its name without the Cluster hash tag (`{hits}` → `hits`). */
const label = (name: string) => name.replace(/^\{(.*)\}$/, '$1');

/** One gauge pair for all the named queues; `close()` closes the Queue objects it reads through. */
export function watchQueues(o: QueueMetricsOptions): { close(): Promise<void> } {
  const now = o.now ?? Date.now;
  // A second ingest service on the same registry (tests, benchmarks): the first one reports.
  if (o.registry.getSingleMetric('xueliang_queue_jobs')) return { close: async () => undefined };
  const queues = o.names.map((name) => new Queue(name, { connection: o.connection, prefix: o.prefix }));
  for (const q of queues) q.on('error', () => undefined); // logged by the connection (analytics/redis.ts)
  new Gauge({
    name: 'xueliang_queue_jobs',
    help: 'Jobs in each BullMQ queue by state (waiting and prioritized: the backlog)',
    labelNames: ['queue', 'state'],
    registers: [o.registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues.map(async (q) => {
          const counts = await q.getJobCounts(...QUEUE_STATES);
          for (const s of QUEUE_STATES) this.set({ queue: label(q.name), state: s }, counts[s] ?? 0);
        }),
      );
    },
  });
  new Gauge({
    name: 'xueliang_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest job waiting to be taken in each BullMQ queue (0: none waiting)',
    labelNames: ['queue'],
    registers: [o.registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues.map(async (q) => {
          const [oldest] = await q.getJobs(['waiting', 'prioritized'], 0, 0, true);
          this.set({ queue: label(q.name) }, oldest ? Math.max(0, now() - oldest.timestamp) / 1000 : 0);
        }),
      );
    },
  });
  return {
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
