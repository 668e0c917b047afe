/**
 * Names of the hits queue and of the Redis keys checked with it (the replay window,
 * docs/ingest.md#replay-window): one hash tag, so they hash to one Redis Cluster slot
 * (docs/architecture.md#redis-high-availability).
 */

/** The queue's name; its hash tag covers every key of the queue and of the replay window. */
export const QUEUE_NAME = '{hits}';

/** The marker a job leaves once stored, for the replay window (ingest/jobs.ts). */
export function doneKey(prefix: string, jobId: string): string {
  return `${prefix}:${QUEUE_NAME}:done:${jobId}`;
}

/** The Redis hash holding a slice of replay claims (ingest/replay-slots.ts). */
export function replayKey(prefix: string, bucket: string): string {
  return `${prefix}:${QUEUE_NAME}:replay:${bucket}`;
}

/**
 * Where a job's hits block waits (`BundleJob.hitBlockKey`, ingest/jobs.ts). No expiry: a dead
 * letter keeps its block until it is re-driven and stored; the worker deletes it once the job's
 * done marker is set.
 */
export function blockKey(prefix: string, jobId: string): string {
  return `${prefix}:${QUEUE_NAME}:block:${jobId}`;
}

/**
 * Where a job's sensor readings block waits (`BundleJob.readingBlockKey`, ingest/jobs.ts),
 * beside its hits block and with the same life: written before the job is added, deleted after
 * its done marker, kept (no expiry) by a dead letter.
 */
export function readingsKey(prefix: string, jobId: string): string {
  return `${prefix}:${QUEUE_NAME}:readings:${jobId}`;
}

/**
 * A group of jobs stored by one INSERT (ingest/group-record.ts): its members' ids in order,
 * written before the INSERT and deleted when the members are marked stored.
 */
export function groupKey(prefix: string, groupId: string): string {
  return `${prefix}:${QUEUE_NAME}:group:${groupId}`;
}

/** The group a job was put in (ingest/group-record.ts); lives as long as the group record. */
export function inGroupKey(prefix: string, jobId: string): string {
  return `${prefix}:${QUEUE_NAME}:in-group:${jobId}`;
}
