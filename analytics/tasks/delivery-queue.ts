/**
 * Outbound delivery with retries (adapter), shared by webhooks (`notify.ts`) and group robots
 * (`channels/robots.ts`): a BullMQ queue of `{ target, body }` jobs, exponential backoff, and
 * calls that exhaust their attempts (or throw `UnrecoverableError`) kept in the failed set as
 * dead letters. What a delivery is — the HTTP call, its signature, what counts as refused — is
 * the owner's `deliver` function; this module knows only the queue.
 */
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export interface DeliveryJob {
  /** The id of the webhook or channel in the config (never its URL or secret). */
  target: string;
  body: string;
}

export interface DeadLetter {
  jobId: string;
  hook: string;
  failedReason: string;
  attemptsMade: number;
  finishedOn: number | undefined;
}

export interface DeliveryQueueOptions {
  name: string;
  queueConn: Redis;
  workerConn: Redis;
  prefix: string;
  concurrency: number;
  attempts: number;
  backoffMs: number;
  deliver: (job: Job<DeliveryJob>) => Promise<void>;
  /** After a failed call: `exhausted` when it will not be retried (a dead letter). */
  onFailed: (job: Job<DeliveryJob>, err: Error, exhausted: boolean) => void;
  onCompleted: (job: Job<DeliveryJob>) => void;
  onWorkerError: (err: Error) => void;
}

/** Jobs queued before the two queues shared this module named their target `hook` or `channel`. */
function withTarget(job: Job<DeliveryJob>): Job<DeliveryJob> {
  const legacy = job.data as Partial<DeliveryJob> & { hook?: string; channel?: string };
  if (legacy.target === undefined)
    job.data = { target: legacy.hook ?? legacy.channel ?? '', body: legacy.body ?? '' };
  return job;
}

export class DeliveryQueue {
  private readonly queue: Queue<DeliveryJob>;
  private readonly worker: Worker<DeliveryJob>;

  constructor(private readonly o: DeliveryQueueOptions) {
    this.queue = new Queue<DeliveryJob>(o.name, { connection: o.queueConn, prefix: o.prefix });
    this.queue.on('error', () => undefined); // logged by the connection (analytics/redis.ts)
    this.worker = new Worker<DeliveryJob>(o.name, (job) => o.deliver(withTarget(job)), {
      connection: o.workerConn,
      prefix: o.prefix,
      concurrency: o.concurrency,
    });
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      withTarget(job);
      const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
      o.onFailed(job, err, exhausted);
    });
    this.worker.on('completed', (job) => o.onCompleted(job));
    this.worker.on('error', (e) => o.onWorkerError(e));
  }

  async add(jobName: string, jobs: readonly DeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((data) => ({
        name: jobName,
        data,
        opts: {
          attempts: this.o.attempts,
          backoff: { type: 'exponential', delay: this.o.backoffMs },
          removeOnComplete: 1000,
          removeOnFail: false,
        },
      })),
    );
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const jobs = await this.queue.getFailed(0, limit - 1);
    return jobs.map((j) => ({
      jobId: String(j.id),
      hook: withTarget(j).data.target,
      failedReason: j.failedReason,
      attemptsMade: j.attemptsMade,
      finishedOn: j.finishedOn,
    }));
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}
