/**
 * Readings blocks a receiver just wrote beside their jobs, also kept in memory for the workers
 * of the same process (ingest/service.ts, when one process runs both sides; docs/iot.md). Redis
 * still holds every block first (the job is added after its block, ingest/bundler.ts): this is
 * only a copy of the same bytes, so a worker taking a job on its first start here does not read
 * the block back. On a busy receiver that read was slow: a block of 10,000 readings (~1 MB)
 * comes back in 64 KiB socket reads, each waiting behind the MQTT messages being taken in.
 *
 * A job on a later start (retried, stalled, re-run in a group) always reads Redis: only there
 * does a missing block say whether an earlier run stored it. Bounded by bytes, oldest dropped
 * first (a job another process's worker took is never asked for here). Pure state, no I/O.
 */
export class LocalBlocks {
  private readonly blocks = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Keeps the block of a job just added to the queue. */
  put(jobId: string, data: Buffer): void {
    if (data.length > this.maxBytes) return;
    this.take(jobId);
    this.blocks.set(jobId, data);
    this.bytes += data.length;
    for (const [id, b] of this.blocks) {
      if (this.bytes <= this.maxBytes) break;
      this.blocks.delete(id);
      this.bytes -= b.length;
    }
  }

  /** The job's block, once: it is forgotten here as it is handed out. */
  take(jobId: string): Buffer | undefined {
    const b = this.blocks.get(jobId);
    if (b === undefined) return undefined;
    this.blocks.delete(jobId);
    this.bytes -= b.length;
    return b;
  }

  /** Bytes held (tests, metrics). */
  get size(): number {
    return this.bytes;
  }
}

/** What one process keeps at most: a few dozen bundles of readings. */
export const LOCAL_BLOCKS_MAX_BYTES = 64 * 1024 * 1024;
