/** The ingest tier's counters: prom-client metrics plus the same numbers as plain stats. */
import { Counter, type Registry } from 'prom-client';
import type { IngestReason } from './reasons.js';

export interface IngestStats {
  /** MQTT messages received (hits envelopes, snapshots). */
  messages: number;
  /** Hits received in envelopes (valid or not). */
  received: number;
  /** Hits and snapshots in jobs that Redis accepted. */
  queued: number;
  /** Hits written to the store by this process's workers. */
  stored: number;
  snapshotsStored: number;
  /** Hits and messages refused, by reason (each written to `quarantine`). */
  rejected: Partial<Record<IngestReason, number>>;
  /** Messages dropped because their id was already queued within the replay window. */
  duplicatesDropped: number;
  /** Jobs that exhausted their attempts (dead letters) seen by this process. */
  deadLetters: number;
  /** Jobs that failed an attempt (retried with backoff). */
  retries: number;
  /** Cameras registered on first sight under --open. */
  camerasRegistered: number;
}

export class IngestMetrics {
  readonly s: IngestStats = {
    messages: 0,
    received: 0,
    queued: 0,
    stored: 0,
    snapshotsStored: 0,
    rejected: {},
    duplicatesDropped: 0,
    deadLetters: 0,
    retries: 0,
    camerasRegistered: 0,
  };
  private readonly c;

  constructor(registry: Registry) {
    const counter = (name: string, help: string, labelNames: string[] = []) => {
      const existing = registry.getSingleMetric(name);
      return (
        (existing as Counter<string> | undefined) ??
        new Counter({ name, help, labelNames, registers: [registry] })
      );
    };
    this.c = {
      messages: counter('xueliang_ingest_messages_total', 'MQTT messages received by kind', ['kind']),
      received: counter('xueliang_ingest_hits_received_total', 'Hits received in envelopes'),
      queued: counter('xueliang_ingest_hits_queued_total', 'Hits in jobs accepted by Redis'),
      stored: counter('xueliang_ingest_hits_stored_total', 'Hits inserted into the store'),
      snaps: counter('xueliang_ingest_snapshots_stored_total', 'Snapshots inserted into the store'),
      rejected: counter('xueliang_ingest_rejected_total', 'Hits and messages quarantined, by reason', [
        'reason',
      ]),
      dups: counter(
        'xueliang_ingest_duplicates_dropped_total',
        'Messages dropped as replays within the window',
      ),
      dead: counter('xueliang_ingest_dead_letters_total', 'Jobs that exhausted their attempts'),
      retries: counter('xueliang_ingest_job_retries_total', 'Failed job attempts (retried with backoff)'),
    };
  }

  message(kind: 'hits' | 'snapshot' | 'status' | 'sensors' | 'other'): void {
    this.s.messages++;
    this.c.messages.inc({ kind });
  }
  received(n: number): void {
    this.s.received += n;
    this.c.received.inc(n);
  }
  queued(n: number): void {
    this.s.queued += n;
    this.c.queued.inc(n);
  }
  stored(hits: number, snapshots: number): void {
    this.s.stored += hits;
    this.s.snapshotsStored += snapshots;
    this.c.stored.inc(hits);
    this.c.snaps.inc(snapshots);
  }
  rejected(reason: IngestReason, n = 1): void {
    this.s.rejected[reason] = (this.s.rejected[reason] ?? 0) + n;
    this.c.rejected.inc({ reason }, n);
  }
  duplicate(n = 1): void {
    this.s.duplicatesDropped += n;
    this.c.dups.inc(n);
  }
  dead(): void {
    this.s.deadLetters++;
    this.c.dead.inc();
  }
  retry(): void {
    this.s.retries++;
    this.c.retries.inc();
  }
  snapshot(): IngestStats {
    return { ...this.s, rejected: { ...this.s.rejected } };
  }
}
