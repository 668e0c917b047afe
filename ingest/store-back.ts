/**
 * When the store comes back after an outage, the jobs that failed during it wait out their
 * exponential backoff (ingest/jobs.ts) although the store takes rows again: bench:faults (e)
 * measured recovery 1.5 s past a 3 s outage, most of it that wait. A worker that sees a job
 * stored right after a run of failed ones moves the delayed jobs back to waiting at once.
 * Safe: a retried job re-inserts under its own deduplication token, as any retry does.
 *
 * Only a run of at least `minFailures` failures in a row counts as an outage: one bad job among
 * good ones does not make the others' retries come early. A job that keeps failing while
 * others are stored (a store outage does not look like that) is promoted at most once per run.
 */

/** Consecutive failed jobs after which a stored job means the store is back. */
export const STORE_BACK_MIN_FAILURES = 3;

/** The pure decision: feed it each job's outcome; `true` from `stored()` means promote now. */
export class StoreBackWatch {
  private failuresInRow = 0;

  constructor(private readonly minFailures = STORE_BACK_MIN_FAILURES) {}

  failed(): void {
    this.failuresInRow++;
  }

  /** A job was stored: true when it ends a run of at least `minFailures` failures. */
  stored(): boolean {
    const back = this.failuresInRow >= this.minFailures;
    this.failuresInRow = 0;
    return back;
  }
}
