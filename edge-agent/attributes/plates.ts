/**
 * Clustering of a track's plate reads across frames (docs/architecture.md#edge-agent): OCR on several crops of the
 * same vehicle disagrees by a character or two; reads that are close in edit distance are
 * one cluster, the largest cluster wins (ties: the higher total score), and its most
 * frequent text (ties: higher total score) is the plate.
 *
 * Clusters are stars around each read, not single-linkage chains, so `ABC123` → `ABC128`
 * → `ABD128` cannot drag two different plates into one cluster.
 */

/** One OCR read of a plate (normalised text, e.g. `浙H12345`) with its score 0..1. */
export interface PlateRead {
  text: string;
  score: number;
}

/** The winning plate of a set of reads. */
export interface PlateConsensus {
  text: string;
  /** Mean score of the reads of the winning text. */
  score: number;
  /** Reads in the winning cluster. */
  support: number;
  /** Reads considered. */
  total: number;
}

/** Levenshtein distance over Unicode code points (Chinese province characters are one each). */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, sub));
    }
    prev = cur;
  }
  return prev[y.length]!;
}

/** 1 − distance ÷ longer length: 1 for equal texts, 0 for nothing in common. */
export function editSimilarity(a: string, b: string): number {
  const n = Math.max([...a].length, [...b].length);
  return n === 0 ? 1 : 1 - editDistance(a, b) / n;
}

/**
 * The consensus plate of `reads`, or undefined with no usable read. Reads with similarity
 * ≥ `minSimilarity` (default 0.7: one wrong character in a 7–8 character plate) agree.
 */
export function clusterPlateReads(
  reads: readonly PlateRead[],
  options: { minSimilarity?: number } = {},
): PlateConsensus | undefined {
  const min = options.minSimilarity ?? 0.7;
  const rs = reads.filter((r) => r.text.length > 0 && Number.isFinite(r.score));
  if (rs.length === 0) return undefined;
  let best: { members: PlateRead[]; scoreSum: number } | undefined;
  for (const centre of rs) {
    const members = rs.filter((r) => r === centre || editSimilarity(centre.text, r.text) >= min);
    const scoreSum = members.reduce((s, r) => s + r.score, 0);
    if (
      !best ||
      members.length > best.members.length ||
      (members.length === best.members.length && scoreSum > best.scoreSum)
    ) {
      best = { members, scoreSum };
    }
  }
  const byText = new Map<string, { n: number; sum: number }>();
  for (const r of best!.members) {
    const e = byText.get(r.text) ?? { n: 0, sum: 0 };
    e.n++;
    e.sum += r.score;
    byText.set(r.text, e);
  }
  let text = '';
  let win = { n: 0, sum: -1 };
  for (const [t, e] of byText) {
    if (e.n > win.n || (e.n === win.n && e.sum > win.sum)) {
      text = t;
      win = e;
    }
  }
  return { text, score: win.sum / win.n, support: best!.members.length, total: rs.length };
}

/**
 * A track's plate reads with bounded memory: keeps the `maxReads` best-scoring reads (OCR is
 * run on the best few crops; more reads add cost, not accuracy).
 */
export class PlateReads {
  private readonly reads: PlateRead[] = [];

  constructor(private readonly maxReads = 12) {}

  add(read: PlateRead): void {
    if (read.text.length === 0 || !(read.score >= 0)) return;
    this.reads.push(read);
    if (this.reads.length > this.maxReads) {
      let worst = 0;
      for (let k = 1; k < this.reads.length; k++)
        if (this.reads[k]!.score < this.reads[worst]!.score) worst = k;
      this.reads.splice(worst, 1);
    }
  }

  get size(): number {
    return this.reads.length;
  }

  consensus(options: { minSimilarity?: number } = {}): PlateConsensus | undefined {
    return clusterPlateReads(this.reads, options);
  }
}
