/** The ingest tier's settings. Part of city.yaml. */
import { Type as T } from '@sinclair/typebox';

export const IngestSection = T.Object(
  {
    open: T.Boolean({
      default: false,
      description:
        'Development only: accept any gateway and camera (unknown cameras are registered on first sight)',
    }),
    bundleMaxHits: T.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 10_000,
      description: 'Most hits bundled into one queue job',
    }),
    bundleMaxMs: T.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 200,
      description: 'Longest a hit waits for its bundle to fill, ms',
    }),
    bundleHoldMs: T.Integer({
      minimum: 1,
      maximum: 60_000,
      default: 1_000,
      description:
        'While jobs wait in the queue (the writers are behind), an open bundle keeps filling for up to this long instead of bundleMaxMs: fewer, larger INSERTs; it is cut once nothing joined it for bundleMaxMs (its gateways wait for its acks), or once the queue is found empty (it is asked again before each bundleMaxMs step)',
    }),
    bundleMaxBytes: T.Integer({
      minimum: 64 * 1024,
      maximum: 256 * 1024 * 1024,
      default: 16 * 1024 * 1024,
      description:
        'Largest queue job (hits, snapshots and quarantine rows as JSON), bytes; a bundle is flushed when it would grow past this',
    }),
    workerConcurrency: T.Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description:
        "Jobs a worker process holds at once: their INSERTs run one at a time, in order, while the others fetch their blocks and send their acks (2: the next job's fetch and the last one's acks overlap an INSERT)",
    }),
    coalesceMaxRows: T.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 40_000,
      description:
        'Several queued jobs stored by one INSERT: when an INSERT turn starts, the jobs a worker already holds join it up to this many rows (a group recorded in Redis first; docs/ingest.md). 0: one INSERT per job',
    }),
    coalesceMaxBytes: T.Integer({
      minimum: 64 * 1024,
      maximum: 256 * 1024 * 1024,
      default: 32 * 1024 * 1024,
      description: 'With coalesceMaxRows: most block bytes (hits and readings) in one grouped INSERT',
    }),
    coalesceJobs: T.Integer({
      minimum: 1,
      maximum: 64,
      default: 8,
      description:
        'With coalesceMaxRows: jobs a worker process holds at once (at least workerConcurrency), so that several are ready when an INSERT turn starts',
    }),
    attempts: T.Integer({
      minimum: 1,
      maximum: 100,
      default: 8,
      description: 'Insert attempts per job before it becomes a dead letter',
    }),
    backoffMs: T.Integer({
      minimum: 10,
      maximum: 600_000,
      default: 500,
      description: 'First retry delay; doubles per attempt',
    }),
    replayWindowMs: T.Integer({
      minimum: 1_000,
      maximum: 7 * 86_400_000,
      default: 6 * 3_600_000,
      description:
        'A message id seen again within this window is dropped (and acked again), ms; longer than a gateway is expected to hold unacked messages',
    }),
    claimGraceMs: T.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      description:
        'A message id claimed by a bundle that never reached Redis (its ingest node died) may be claimed again after this, ms',
    }),
    maxQueuedJobs: T.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 20,
      description:
        'Backpressure: while this many jobs wait, new bundles wait too, and so do the gateways (their spools hold the hits); with 2,000 the receivers of one process starved its writers under overload',
    }),
    quarantineRawBytes: T.Integer({
      minimum: 0,
      maximum: 1024 * 1024,
      default: 4096,
      description:
        'Raw bytes of a refused message kept in the quarantine table (the rest is cut off; raw_bytes keeps the size)',
    }),
    snapshotGraceMs: T.Integer({
      minimum: 1000,
      maximum: 7 * 86_400_000,
      default: 600_000,
      description:
        'A snapshot that no hit names this long after it arrived is moved to the quarantine table, ms',
    }),
    orphanSweepMs: T.Integer({
      minimum: 1000,
      maximum: 86_400_000,
      default: 60_000,
      description:
        'How often workers sweep for orphan snapshots (one time slice of this length per sweep), ms',
    }),
    sensorSilenceCheckMs: T.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10_000,
      description: 'How often workers check sensors for silence (silence rules, docs/iot.md), ms',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Ingest: queueing and writing hits' },
);
