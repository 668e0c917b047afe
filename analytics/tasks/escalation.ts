/**
 * Escalation timers as BullMQ delayed jobs (docs/architecture.md#alerts): one job per task and level, id
 * `{task}-{escalations}`, due at the SLA deadline. When it fires, `onDue` decides (the task
 * may have been accepted or moved meanwhile: then nothing happens). Accepting removes the job.
 */
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../contracts/log.js';
import type { Task } from './model.js';

/** Hash-tagged like every queue name (ingest/jobs.ts QUEUE_NAME). */
export const ESCALATE_QUEUE = '{alerts-escalate}';

export interface EscalateJob {
  taskId: string;
  org: string;
  escalations: number;
}

export class Escalations {
  private readonly queue: Queue<EscalateJob>;
  private readonly worker: Worker<EscalateJob>;

  constructor(o: {
    queueConn: Redis;
    workerConn: Redis;
    prefix: string;
    log: Logger;
    now: () => number;
    onDue: (job: EscalateJob) => Promise<void>;
  }) {
    this.now = o.now;
    this.queue = new Queue<EscalateJob>(ESCALATE_QUEUE, { connection: o.queueConn, prefix: o.prefix });
    this.queue.on('error', () => undefined); // logged by the connection (analytics/redis.ts)
    this.worker = new Worker<EscalateJob>(ESCALATE_QUEUE, (job: Job<EscalateJob>) => o.onDue(job.data), {
      connection: o.workerConn,
      prefix: o.prefix,
      concurrency: 4,
    });
    this.worker.on('error', (e) => o.log.warn({ err: e.message }, 'escalation worker error'));
    this.worker.on('failed', (job, e) =>
      o.log.warn({ task: job?.data.taskId, err: e.message }, 'escalation failed; will retry'),
    );
  }

  private readonly now: () => number;

  /** Schedules the SLA timer of each task that has a deadline (one round trip). */
  async schedule(tasks: readonly Task[]): Promise<void> {
    const due = tasks.filter((t) => t.deadlineMs !== null);
    if (due.length === 0) return;
    await this.queue.addBulk(
      due.map((t) => ({
        name: 'escalate',
        data: { taskId: t.id, org: t.org, escalations: t.escalations },
        opts: {
          jobId: `${t.id}-${t.escalations}`,
          delay: Math.max(0, t.deadlineMs! - this.now()),
          attempts: 5,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: 1000,
          removeOnFail: 1000,
        },
      })),
    );
  }

  /** Removes the timer of a task at a level (a stale timer would no-op anyway). */
  async unschedule(t: Pick<Task, 'id' | 'escalations'>): Promise<void> {
    await this.queue.remove(`${t.id}-${t.escalations}`).catch(() => 0);
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}
