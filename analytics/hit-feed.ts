/**
 * The live hit feed (docs/architecture.md#live-feed): ingest workers publish every stored batch
 * on one Redis pub/sub channel, and every API process subscribes to it for its SSE clients, so
 * a stream sees the hits of every worker of the city whichever process it is served by. The
 * feed is live only: at most once, nothing kept for a subscriber that was away (the store is
 * where hits are read back), and it never reads the store.
 *
 * A publisher asks Redis every `probeMs` whether anyone listens (`PUBSUB NUMSUB`) and skips
 * the work (JSON of every hit) while nobody does.
 */
import type { Redis } from 'ioredis';
import type { Hit } from '../contracts/hit.js';
import type { Logger } from '../contracts/log.js';
import { type HitRow, rowToHit } from './hit-rows.js';
import { subscribeWhenReady } from './redis-subscriber.js';

/** A stored hit as the stream sees it: with its camera's org path for jurisdiction. */
export interface PlacedHit {
  hit: Hit;
  orgPath: readonly string[];
}

/** What the API needs of the feed. */
export interface LiveHits {
  /** Listens to every process's stored hits; returns the function that stops listening. */
  subscribe(l: (batch: PlacedHit[]) => void): () => void;
}

/** Hits per message: a 10,000-hit bundle goes out in several, none of many megabytes. */
const CHUNK = 1000;

export function hitFeedChannel(prefix: string): string {
  return `${prefix}:feed:hits`;
}

/** Worker side: publishes stored batches while some API process listens. */
export class HitFeedPublisher {
  private listening = true;
  private readonly timer: NodeJS.Timeout;
  private readonly channel: string;
  published = 0;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly log: Logger,
    probeMs = 1000,
  ) {
    this.channel = hitFeedChannel(prefix);
    this.timer = setInterval(() => this.probe(), probeMs);
    this.timer.unref();
    this.probe();
  }

  private probe(): void {
    this.redis
      .pubsub('NUMSUB', this.channel)
      .then((r) => {
        this.listening = Number((r as unknown[])[1] ?? 0) > 0;
      })
      .catch(() => undefined);
  }

  /** Sends the rows of a stored batch; never throws (the feed is best effort, the store is not). */
  publish(rows: readonly HitRow[]): void {
    if (!this.listening || rows.length === 0) return;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const hits = rows
        .slice(i, i + CHUNK)
        .map((r) => ({ hit: rowToHit({ ...r, ts_ms: r.ts }), orgPath: r.org_path }));
      this.published += hits.length;
      this.redis
        .publish(this.channel, JSON.stringify({ v: 1, hits }))
        .then((n) => {
          if (n === 0) this.listening = false;
        })
        .catch((e: unknown) => this.log.debug({ err: String(e) }, 'hit feed publish failed'));
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** API side: one subscription per process, fanned out to its SSE clients. */
export class HitFeedSubscriber implements LiveHits {
  private readonly listeners = new Set<(batch: PlacedHit[]) => void>();
  private readonly channel: string;
  /** Messages that were not a feed batch (counted, dropped). */
  bad = 0;

  constructor(
    private readonly sub: Redis,
    prefix: string,
  ) {
    this.channel = hitFeedChannel(prefix);
  }

  async start(): Promise<void> {
    // Not before 'ready': analytics/redis-subscriber.ts.
    await subscribeWhenReady(this.sub, this.channel);
    this.sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel || this.listeners.size === 0) return;
      let batch: PlacedHit[];
      try {
        const m = JSON.parse(message) as { v: number; hits: PlacedHit[] };
        if (m.v !== 1 || !Array.isArray(m.hits)) throw new Error('not a feed batch');
        batch = m.hits;
      } catch {
        this.bad++;
        return;
      }
      for (const l of this.listeners) l(batch);
    });
  }

  subscribe(l: (batch: PlacedHit[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.sub.quit().catch(() => this.sub.disconnect());
  }
}
