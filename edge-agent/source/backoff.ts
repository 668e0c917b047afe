/**
 * Capped exponential backoff for reconnecting sources. Pure: the caller supplies the attempt
 * number and a random number in [0, 1) (jitter keeps many cameras behind one NVR from
 * reconnecting in lockstep).
 */

export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Growth per attempt (2 doubles). */
  factor: number;
  /** Fraction of the delay randomised, 0..1 (0.2: ±10 %). */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
});

/**
 * Delay before retry number `attempt` (0 = the first retry after a failure).
 * `random` in [0, 1); 0.5 gives the un-jittered value.
 */
export function backoffDelayMs(
  attempt: number,
  opts: Readonly<BackoffOptions> = DEFAULT_BACKOFF,
  random = 0.5,
): number {
  const a = Math.max(0, Math.floor(attempt));
  // Cap the exponent before Math.pow so a camera down for days never overflows to Infinity.
  const base = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.min(a, 64));
  const j = base * opts.jitter * (random - 0.5);
  return Math.max(0, Math.round(Math.min(opts.maxMs, base + j)));
}
