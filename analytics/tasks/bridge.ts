/**
 * The alert engine's Redis bridge between processes (docs/alerts.md#wiring-composition-roots): a watch added or
 * retired in one process makes the others reload theirs, and each process's task changes are
 * re-emitted in the others so their SSE clients see them. Messages carry the sender's origin so a
 * process ignores its own.
 */
import type { Redis } from 'ioredis';
import { subscribeWhenReady } from '../redis-subscriber.js';
import type { TaskChange } from './repo.js';

export interface BridgeHandlers {
  /** Another process changed the watches. */
  onWatches: () => void;
  /** Another process's task changes. */
  onChanges: (changes: TaskChange[]) => void;
  /** A message that is not one of ours. */
  onBad: () => void;
}

export class AlertBridge {
  readonly origin = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  private readonly watchChannel: string;
  private readonly taskChannel: string;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
  ) {
    this.watchChannel = `${prefix}:alerts:watches`;
    this.taskChannel = `${prefix}:alerts:changes`;
  }

  async start(h: BridgeHandlers): Promise<void> {
    // Not before 'ready': analytics/redis-subscriber.ts.
    await subscribeWhenReady(this.sub, this.watchChannel, this.taskChannel);
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === this.watchChannel) return h.onWatches();
      try {
        const msg = JSON.parse(message) as { origin: string; changes: TaskChange[] };
        if (msg.origin !== this.origin) h.onChanges(msg.changes);
      } catch {
        h.onBad();
      }
    });
  }

  publishChanges(changes: readonly TaskChange[]): Promise<number> {
    return this.pub.publish(this.taskChannel, JSON.stringify({ origin: this.origin, changes }));
  }

  publishWatch(id: string): Promise<number> {
    return this.pub.publish(this.watchChannel, id);
  }
}
