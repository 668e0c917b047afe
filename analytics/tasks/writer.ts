/**
 * Write-behind of task events to the store. Redis holds the authoritative state; the store
 * gets every event in order, in batches as large as have piled up, off the hit-to-task path
 * (measured in bench/alerts.ts: the store inserts were the largest stage of a batch). A list
 * may lag a notification by one flush. While the store is down the backlog is bounded: past
 * `maxBacklog` the oldest changes are dropped and counted.
 */
import type { Logger } from '../../contracts/log.js';
import type { TaskChange, TaskRepo } from './repo.js';

export class TaskWriter {
  private backlog: TaskChange[] = [];
  private running: Promise<void> | undefined;
  private closing = false;
  dropped = 0;
  busyMs = 0;

  constructor(
    private readonly repo: TaskRepo,
    private readonly log: Logger,
    private readonly onError: (stage: 'persist' | 'persist_dropped', n: number) => void,
    private readonly maxBacklog = 200_000,
    private readonly batchMax = 50_000,
  ) {}

  get pending(): number {
    return this.backlog.length;
  }

  write(changes: readonly TaskChange[]): void {
    if (changes.length === 0) return;
    this.backlog.push(...changes);
    if (this.backlog.length > this.maxBacklog) {
      const drop = this.backlog.length - this.maxBacklog;
      this.backlog = this.backlog.slice(drop);
      this.dropped += drop;
      this.onError('persist_dropped', drop);
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when everything written so far is stored (or given up on while closing). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.flush();
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.backlog.length) {
      const batch = this.backlog.slice(0, this.batchMax);
      const t = performance.now();
      try {
        await this.repo.persist(batch);
        this.backlog = this.backlog.slice(batch.length);
        failures = 0;
      } catch (e) {
        this.onError('persist', 1);
        if (this.closing && failures >= 3) {
          this.log.error(
            { err: (e as Error).message, lost: this.backlog.length },
            'closing: task events not stored (their state is in Redis)',
          );
          this.dropped += this.backlog.length;
          this.backlog = [];
          break;
        }
        this.log.warn(
          { err: (e as Error).message, backlog: this.backlog.length },
          'storing task events failed; will retry',
        );
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** failures++, 5000)));
      }
      this.busyMs += performance.now() - t;
    }
  }
}
