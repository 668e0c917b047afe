/**
 * Optional stage timestamps along the chain (docs/ingest.md, "Where the p99 goes"): bench:ingest
 * passes these hooks to split its publish → queryable latency into the receiver's, the queue's
 * and the worker's parts. Every hook gets epoch ms; none is called when no trace is given, and a
 * hook must not throw or block (it runs on the chain's own path).
 */
export interface StageTrace {
  /** A message reached the bundler (after the intake checked it): its replay key and hits. */
  received?(key: string, hits: readonly { id: string }[], atMs: number): void;
  /** A bundle was cut (its age, its size, or the hold ended): its messages' keys. */
  cut?(keys: readonly string[], atMs: number): void;
  /**
   * The bundle's job is in Redis (claims, block, job added); `marks`: when its flush started
   * (after the flush before it), found room in the queue, claimed its keys, wrote its blocks.
   */
  queued?(jobId: string, keys: readonly string[], atMs: number, marks: readonly number[]): void;
  /** A worker's processor started on the job. */
  picked?(jobId: string, atMs: number): void;
  /** The job's blocks are read: it waits for its INSERT turn. */
  ready?(jobId: string, atMs: number): void;
  /**
   * The INSERT turn of these jobs: when the turn started (after the previous INSERT), when their
   * INSERT started (after the group record) and when it returned.
   */
  turn?(jobIds: readonly string[], turnMs: number, insertMs: number, doneMs: number): void;
}
