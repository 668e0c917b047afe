/**
 * A majority vote with bounded memory, for attributes observed once per frame over a track
 * (colours, class, vehicle type, direction).
 */

/** The winner of a {@link Vote}: its value, share of the total weight, and votes cast. */
export interface VoteResult<T extends string> {
  value: T;
  /** Winner's weight ÷ all weight, 0..1. */
  confidence: number;
  /** Number of observations cast. */
  count: number;
}

/**
 * Weighted majority vote over at most `maxKeys` distinct values: when a new value would
 * exceed the bound, the lightest value is dropped (its weight leaves the total too), so one
 * odd frame cannot grow memory and the leaders are never lost.
 */
export class Vote<T extends string> {
  private readonly weights = new Map<T, number>();
  private total = 0;
  private n = 0;

  constructor(private readonly maxKeys = 8) {}

  /** Casts a vote for `value` with `weight` (e.g. the detection score or the colour share). */
  add(value: T, weight = 1): void {
    if (!(weight > 0)) return;
    this.n++;
    this.total += weight;
    this.weights.set(value, (this.weights.get(value) ?? 0) + weight);
    if (this.weights.size <= this.maxKeys) return;
    let lightest: T | undefined;
    let lightestW = Number.POSITIVE_INFINITY;
    for (const [k, w] of this.weights) {
      if (k !== value && w < lightestW) {
        lightest = k;
        lightestW = w;
      }
    }
    if (lightest !== undefined) {
      this.weights.delete(lightest);
      this.total -= lightestW;
    }
  }

  /** The weight cast for `value` so far (0 when none, or dropped). */
  weightOf(value: T): number {
    return this.weights.get(value) ?? 0;
  }

  /** The values held with their weights. */
  entries(): IterableIterator<[T, number]> {
    return this.weights.entries();
  }

  /** Distinct values held (≤ maxKeys). */
  get size(): number {
    return this.weights.size;
  }

  /** The heaviest value (ties: the one that reached its weight first), or undefined with no votes. */
  result(): VoteResult<T> | undefined {
    let best: T | undefined;
    let bestW = 0;
    for (const [k, w] of this.weights) {
      if (w > bestW) {
        best = k;
        bestW = w;
      }
    }
    if (best === undefined) return undefined;
    return { value: best, confidence: this.total > 0 ? bestW / this.total : 0, count: this.n };
  }
}

/**
 * A track's second candidate colour: the value other than `winner` (and `unknown`) whose weight
 * as a per-frame winner in `wins` plus as a per-frame second candidate in `seconds` (cast with the
 * frame's winner share; edge-agent/attributes/colour.ts gives a second only within `ratio` of it)
 * is the heaviest, when it reaches `ratio` of the winner's weight.
 */
export function secondCandidate<T extends string>(
  wins: Vote<T>,
  seconds: Vote<T>,
  winner: T,
  ratio = 0.6,
): T | undefined {
  const total = new Map<T, number>();
  for (const [k, w] of wins.entries()) total.set(k, (total.get(k) ?? 0) + w);
  for (const [k, w] of seconds.entries()) total.set(k, (total.get(k) ?? 0) + w);
  let best: T | undefined;
  let bestW = 0;
  for (const [k, w] of total) {
    if (k === winner || k === 'unknown' || w <= bestW) continue;
    best = k;
    bestW = w;
  }
  const winnerW = wins.weightOf(winner);
  return best !== undefined && winnerW > 0 && bestW >= ratio * winnerW ? best : undefined;
}
