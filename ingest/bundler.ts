/**
 * Bundles received messages into queue jobs (docs/architecture.md#no-loss-chain step 4): up to `bundleMaxHits` hits,
 * `bundleMaxBytes` bytes or `bundleMaxMs` of waiting, whichever comes first — one hit per
 * job would cost ~10× more Redis memory and throughput. A flush claims the messages' replay
 * keys, adds one job, and only then settles each message's promise: the receiver acks on
 * `fresh` or `duplicate` (both are held durably) and leaves `pending` unacked.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { HIT_BLOCK_TABLE, hitsToBlock } from '../analytics/hit-block.js';
import { blockBytes } from '../analytics/row-block.js';
import type { HitRow } from '../analytics/hit-rows.js';
import type { ReadingLines } from '../analytics/sensors/reading-block.js';
import type { Logger } from '../contracts/log.js';
import { type ClaimVerdict, claim, type DedupOptions, releaseIfOrphaned } from './dedup.js';
import { blockKey, type BundleJob, type QuarantineRow, readingsKey, type SnapshotRow } from './jobs.js';
import type { IngestMetrics } from './metrics.js';
import type { StageTrace } from './stage-trace.js';

/** What one MQTT message contributes to a bundle. */
export interface Part {
  /** Replay-window key (`m:gw:msgId`, `s:gw:snapId`, `q:gw:sha1`). */
  key: string;
  hits: HitRow[];
  snapshots: SnapshotRow[];
  quarantine: QuarantineRow[];
  /**
   * Sensor readings (docs/iot.md) as `sensor_readings` block lines, encoded once by the intake
   * (ingest/sensor-intake.ts); absent on hits and snapshot messages.
   */
  readings?: ReadingLines;
  /**
   * It carries a device alarm: its bundle is cut at bundleMaxMs even while jobs wait, instead
   * of filling for up to bundleHoldMs (docs/iot.md, alarm → task latency). Cutting at once
   * was measured worse in bench:sensors: alarms every 100 ms made ten small INSERTs a second,
   * each with chDB's fixed cost, and the writers fell behind.
   */
  urgent?: boolean;
  /** Approximate JSON size, bytes. */
  bytes: number;
}

/**
 * BullMQ priority of bundles holding sensor readings and no alarm. Jobs without a priority
 * are taken before prioritized ones, so hits, snapshots and alarms do not queue behind a
 * backlog of readings (docs/iot.md; in bench:sensors alarms waited seconds behind reading
 * INSERTs). Readings bundles keep their order among themselves.
 */
export const READINGS_PRIORITY = 10;

interface Waiting {
  part: Part;
  resolve: (v: ClaimVerdict) => void;
  reject: (e: Error) => void;
}

export interface BundlerOptions {
  queue: Queue<BundleJob>;
  dedup: DedupOptions;
  maxHits: number;
  maxMs: number;
  /** Longest a bundle keeps filling while jobs wait in the queue, ms. */
  holdMs: number;
  maxBytes: number;
  maxQueuedJobs: number;
  attempts: number;
  backoffMs: number;
  /**
   * Replicas that must hold a job before its messages are acked: `WAIT n ms` on the connection
   * that added it (docs/architecture.md#redis-high-availability). Short of them the messages
   * stay unacked; their claims stay, so a resend is acked once the job is found.
   */
  replicas?: { redis: Redis; n: number; ms: number };
  metrics: IngestMetrics;
  log: Logger;
  /** Stage timestamps (bench:ingest's latency breakdown; ingest/stage-trace.ts). */
  trace?: StageTrace;
}

/** The readings lines of these messages, joined in order. */
function joinReadings(batch: readonly Waiting[]): ReadingLines {
  const out: ReadingLines = { data: '', rows: 0 };
  for (const w of batch) {
    if (!w.part.readings?.rows) continue;
    out.data += w.part.readings.data;
    out.rows += w.part.readings.rows;
  }
  return out;
}

export class Bundler {
  private open: Waiting[] = [];
  private openHits = 0;
  private openBytes = 0;
  private openSinceMs = 0;
  private openUrgent = false;
  /** When the last message joined the open bundle, epoch ms. */
  private lastAddMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Jobs waiting in the queue at the last flush (or the last count during a hold). */
  private lastWaiting = 0;
  /** Bundles cut so far: the open bundle's number (a count answered after a cut is not its). */
  private bundleNo = 0;

  constructor(private readonly o: BundlerOptions) {}

  /** Adds a message; settles when its bundle reached Redis (or was found a duplicate). */
  add(part: Part): Promise<ClaimVerdict> {
    if (this.closed) return Promise.reject(new Error('ingest is closing'));
    return new Promise<ClaimVerdict>((resolve, reject) => {
      const n = part.hits.length + part.snapshots.length + (part.readings?.rows ?? 0);
      if (
        this.open.length > 0 &&
        (this.openHits + n > this.o.maxHits || this.openBytes + part.bytes > this.o.maxBytes)
      )
        this.cut();
      if (this.open.length === 0) {
        this.openSinceMs = Date.now();
        this.timer = setTimeout(() => this.onAge(), this.o.maxMs);
      }
      this.open.push({ part, resolve, reject });
      this.lastAddMs = Date.now();
      this.openHits += n;
      this.openBytes += part.bytes;
      if (part.urgent) this.openUrgent = true;
      if (this.openHits >= this.o.maxHits || this.openBytes >= this.o.maxBytes) this.cut();
    });
  }

  /** Hits waiting in the open bundle. */
  get pendingHits(): number {
    return this.openHits;
  }

  /** Flushes what is open and waits for every flush; refuses new messages. */
  async close(): Promise<void> {
    this.closed = true;
    this.cut();
    await this.chain;
  }

  /**
   * The age bound was reached. While jobs wait in the queue the writers are behind, and a job
   * cut now would only wait there too: keep filling the bundle (up to `holdMs`), so the store
   * gets fewer, larger INSERTs — each costs a fixed ~100 ms on chDB (parts for hits and every
   * view it feeds), measured in bench:ingest. Only while it fills: when nothing joined it for
   * `maxMs`, its senders are waiting for these very acks (each gateway has at most
   * `maxInflight` messages unacked), and holding on would only hold them — after a receiver
   * restart that paced the gateways' resends at one window per `holdMs` (bench:faults).
   *
   * And only while jobs wait now: the count seen at the last flush is asked again before each
   * step of the hold. A count left over from a burst (the queue drained since, and no flush ran
   * to see it) held the first bundle after it for the whole `holdMs`: in bench:ingest that one
   * bundle was the slowest 1 % of the latency phase (docs/ingest.md, "Where the p99 goes").
   */
  private onAge(): void {
    this.timer = undefined;
    if (!this.mayHold(Date.now())) {
      this.cut();
      return;
    }
    const bundle = this.bundleNo;
    this.o.queue.getJobCountByTypes('waiting', 'prioritized').then(
      (n) => {
        this.lastWaiting = n;
        if (bundle !== this.bundleNo) return; // cut meanwhile (full, or closing)
        if (n > 0 && this.mayHold(Date.now())) this.timer = setTimeout(() => this.onAge(), this.o.maxMs);
        else this.cut();
      },
      () => {
        if (bundle === this.bundleNo) this.cut();
      },
    );
  }

  /** The open bundle may keep filling: not urgent, jobs waited at the last count, filling, within holdMs. */
  private mayHold(now: number): boolean {
    return (
      !this.openUrgent &&
      this.lastWaiting > 0 &&
      now - this.openSinceMs + this.o.maxMs <= this.o.holdMs &&
      now - this.lastAddMs < this.o.maxMs &&
      this.open.length > 0
    );
  }

  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.length === 0) return;
    const batch = this.open;
    const firstMs = this.openSinceMs;
    this.bundleNo++;
    this.open = [];
    this.openUrgent = false;
    this.openHits = 0;
    this.openBytes = 0;
    this.o.trace?.cut?.(
      batch.map((w) => w.part.key),
      Date.now(),
    );
    // Flushes run one at a time: while one talks to Redis the next bundle fills.
    this.chain = this.chain.then(() => this.flush(batch, firstMs));
  }

  private async flush(batch: Waiting[], firstMs: number): Promise<void> {
    const jobId = ulid();
    const claimed: string[] = [];
    // The readings block of the whole batch goes out with the claim (one round trip, not two:
    // on a busy receiver each awaited reply waits for the event loop); written again below in
    // the rare case that some of the batch's messages are not fresh.
    let early: Promise<boolean> | undefined;
    // Stage marks for a trace: flush start, room, claims, blocks written (ingest/stage-trace.ts).
    const marks: number[] = this.o.trace ? [Date.now()] : [];
    const mark = () => this.o.trace && marks.push(Date.now());
    try {
      await this.waitForRoom();
      mark();
      const keys = batch.map((w) => w.part.key);
      early = this.readingsBlock(batch, jobId);
      const verdicts = await claim(this.o.dedup, keys, jobId, Date.now());
      mark();
      // Another node may take over the claims of a node whose lease ran out (dedup.ts).
      const lease = this.o.dedup.lease;
      if (lease && !lease.fresh(Date.now()) && !(await lease.renew()))
        throw new Error('node lease not fresh: bundle not queued');
      const data: BundleJob = {
        v: 1,
        hits: [],
        hitsVia: HIT_BLOCK_TABLE,
        snapshots: [],
        quarantine: [],
        keys: [],
        firstMs,
      };
      let readingRows = 0;
      batch.forEach((w, i) => {
        if (verdicts[i] !== 'fresh') return;
        claimed.push(w.part.key);
        data.keys.push(w.part.key);
        for (const h of w.part.hits) data.hits.push(h);
        for (const s of w.part.snapshots) data.snapshots.push(s);
        for (const q of w.part.quarantine) data.quarantine.push(q);
        readingRows += w.part.readings?.rows ?? 0;
      });
      // The readings likewise, as their own block (ingest/reading-jobs.ts); the job is added
      // only once it holds the fresh messages' readings and nothing else.
      const whole = claimed.length === batch.length && (await early);
      if (readingRows) {
        if (!whole) {
          const fresh = joinReadings(batch.filter((_, i) => verdicts[i] === 'fresh'));
          await this.o.dedup.redis.set(readingsKey(this.o.dedup.prefix, jobId), blockBytes(fresh));
        }
        data.readingBlockKey = true;
        data.readingCount = readingRows;
      } else if (await early) await this.o.dedup.redis.del(readingsKey(this.o.dedup.prefix, jobId));
      // Encoded once here and kept beside the job as bytes, before the job exists (a job is
      // never without its block); the worker inserts the bytes as is (docs/ingest.md#store-path).
      const hitCount = data.hits.length;
      if (hitCount) {
        await this.o.dedup.redis.set(
          blockKey(this.o.dedup.prefix, jobId),
          blockBytes(hitsToBlock(data.hits)),
        );
        data.hitBlockKey = true;
        data.hitCount = hitCount;
        data.hits = [];
      }
      mark();
      if (data.keys.length > 0) {
        const readingsOnly = readingRows > 0 && !batch.some((w) => w.part.urgent);
        await this.o.queue.add('bundle', data, {
          jobId,
          ...(readingsOnly ? { priority: READINGS_PRIORITY } : {}),
          attempts: this.o.attempts,
          backoff: { type: 'exponential', delay: this.o.backoffMs },
          removeOnComplete: true,
          removeOnFail: false,
        });
      }
      if (this.o.replicas) await waitReplicas(this.o.replicas);
      this.o.trace?.queued?.(jobId, data.keys, Date.now(), marks);
      this.o.metrics.queued(hitCount + data.snapshots.length + readingRows);
      const dups = verdicts.filter((v) => v === 'duplicate').length;
      if (dups) this.o.metrics.duplicate(dups);
      batch.forEach((w, i) => {
        w.resolve(verdicts[i] ?? 'pending');
      });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.o.log.warn(
        { err: err.message, messages: batch.length },
        'bundle not queued; messages stay unacked',
      );
      for (const w of batch) w.reject(err);
      void this.releaseOrphans(claimed, jobId);
      // No claim taken (releaseOrphans has nothing to do): the block written beside the claim goes.
      if (claimed.length === 0)
        void early
          ?.then((wrote) => (wrote ? this.o.dedup.redis.del(readingsKey(this.o.dedup.prefix, jobId)) : 0))
          .catch(() => undefined);
    }
  }

  /**
   * Writes the readings of every message of the batch as the job's block, not waited for here:
   * true once written, false when there are none or the write failed (then it is written again
   * after the claim, or the flush fails there).
   */
  private readingsBlock(batch: readonly Waiting[], jobId: string): Promise<boolean> {
    const lines = joinReadings(batch);
    if (lines.rows === 0) return Promise.resolve(false);
    return this.o.dedup.redis.set(readingsKey(this.o.dedup.prefix, jobId), blockBytes(lines)).then(
      () => true,
      () => false,
    );
  }

  /**
   * After a failed flush: releases its claims if its job is not in Redis (never added, or lost in
   * a failover), retrying while Redis is unreachable, up to the claim grace period (which frees
   * them anyway). Runs beside the next flushes; stops when the bundler closes.
   */
  private async releaseOrphans(keys: string[], jobId: string): Promise<void> {
    const end = Date.now() + this.o.dedup.claimGraceMs;
    while (keys.length > 0 && !this.closed && Date.now() < end) {
      try {
        if (await releaseIfOrphaned(this.o.dedup, keys, jobId)) {
          // Its blocks, if they were written before the job add failed, belong to no job.
          await this.o.dedup.redis.del(
            blockKey(this.o.dedup.prefix, jobId),
            readingsKey(this.o.dedup.prefix, jobId),
          );
          this.o.log.info({ jobId, messages: keys.length }, 'claims of a bundle not in Redis released');
        }
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /**
   * Backpressure. While the last count was under half of `maxQueuedJobs`, the count is taken
   * beside this flush and not waited for (the next flush sees it): one round trip less a flush,
   * and the queue still cannot pass the limit by more than a job or two per receiver.
   */
  private async waitForRoom(): Promise<void> {
    if (this.lastWaiting < this.o.maxQueuedJobs / 2) {
      this.o.queue.getJobCountByTypes('waiting', 'prioritized').then(
        (n) => {
          this.lastWaiting = n;
        },
        () => undefined,
      );
      return;
    }
    for (let waited = 0; ; waited += 100) {
      // Prioritized jobs (readings bundles) wait in their own set: count both.
      const n = await this.o.queue.getJobCountByTypes('waiting', 'prioritized');
      this.lastWaiting = n;
      if (n < this.o.maxQueuedJobs) return;
      if (waited % 10_000 === 0)
        this.o.log.warn({ waiting: n }, 'queue full: holding bundles (backpressure)');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `WAIT n ms`: resolves once `n` replicas acknowledged every write of `redis`, else throws. */
export async function waitReplicas(r: { redis: Redis; n: number; ms: number }): Promise<void> {
  const got = Number(await r.redis.call('WAIT', r.n, r.ms));
  if (got < r.n) throw new Error(`only ${got} of ${r.n} Redis replicas acknowledged within ${r.ms} ms`);
}
