/**
 * Pure scoring of the accuracy harness (docs/accuracy.md): colour agreement with labels that
 * may allow a second fair colour, and detection recall/precision per size band at an IoU
 * threshold (greedy matching by score, as in the PASCAL VOC / COCO evaluations).
 */

/** Colour tally: `exact` when the answer is the first labelled colour, `within` when it is any of them. */
export interface ColourTally {
  n: number;
  exact: number;
  within: number;
  /** The answer or its second candidate is one of the labelled colours. */
  withinTop2: number;
  /** Confusions, `label→answer` with counts (first labelled colour). */
  confusions: Record<string, number>;
}

export function emptyTally(): ColourTally {
  return { n: 0, exact: 0, within: 0, withinTop2: 0, confusions: {} };
}

/** Adds one answer against labelled colours (first = most fitting). */
export function tallyColour(
  t: ColourTally,
  labelled: readonly string[],
  answer: string,
  second?: string,
): void {
  t.n++;
  if (answer === labelled[0]) t.exact++;
  if (labelled.includes(answer)) t.within++;
  if (labelled.includes(answer) || (second !== undefined && labelled.includes(second))) t.withinTop2++;
  if (!labelled.includes(answer)) {
    const k = `${labelled.join('|')}→${answer}`;
    t.confusions[k] = (t.confusions[k] ?? 0) + 1;
  }
}

/** Figures of a colour tally: counts and percentages (one decimal), and the confusions. */
export function colourFigures(t: ColourTally): {
  n: number;
  exact: number;
  exactPct: number | null;
  withinPct: number | null;
  withinTop2Pct: number | null;
  confusions: Record<string, number>;
} {
  const pct = (a: number): number | null => (t.n === 0 ? null : Math.round((1000 * a) / t.n) / 10);
  return {
    n: t.n,
    exact: t.exact,
    exactPct: pct(t.exact),
    withinPct: pct(t.within),
    withinTop2Pct: pct(t.withinTop2),
    confusions: t.confusions,
  };
}

/** The one clip most vehicle colour labels were first made on (320×240 highway CCTV). */
export const HIGHWAY_CLIP = 'video/highway_cctv.avi';

/**
 * The source group of a vehicle colour label, for figures per source beside the overall one:
 * `highway` (the highway clip) or `other` (every other video and photo).
 */
export function vehicleSource(media: string): 'highway' | 'other' {
  return media === HIGHWAY_CLIP ? 'highway' : 'other';
}

/** Adds one answer to the tally of its group (created on first use), as {@link tallyColour}. */
export function tallyColourIn(
  groups: Record<string, ColourTally>,
  group: string,
  labelled: readonly string[],
  answer: string,
  second?: string,
): void {
  groups[group] ??= emptyTally();
  tallyColour(groups[group], labelled, answer, second);
}

/** Size band of a box by its height in pixels: small < 32, medium < 96, large otherwise (COCO's cut-offs, on height). */
export type SizeBand = 'small' | 'medium' | 'large';
export function sizeBand(box: readonly number[]): SizeBand {
  const h = box[3]! - box[1]!;
  return h < 32 ? 'small' : h < 96 ? 'medium' : 'large';
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const ua = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return inter / ua;
}

export interface GtBox {
  cls: string;
  box: readonly number[];
}
export interface PredBox extends GtBox {
  score: number;
}

/** Per band: ground-truth objects, those found; predictions, those that matched. */
export interface BandTally {
  gt: number;
  found: number;
  pred: number;
  correct: number;
}

export type DetectionTally = Record<SizeBand, BandTally>;

export function emptyDetectionTally(): DetectionTally {
  return {
    small: { gt: 0, found: 0, pred: 0, correct: 0 },
    medium: { gt: 0, found: 0, pred: 0, correct: 0 },
    large: { gt: 0, found: 0, pred: 0, correct: 0 },
  };
}

/**
 * Matches one frame's predictions to its ground truth (same class, IoU ≥ `iouMin`, each
 * ground-truth box once, highest score first) and adds to the tally. A prediction is banded
 * by its matched ground truth's size, an unmatched one by its own size. Ground truth marked
 * `ignore` (groups, unsure objects) neither counts as missed nor makes a prediction false;
 * neither does anything centred in one of `ignoreRegions`.
 */
export function tallyDetections(
  t: DetectionTally,
  gtAll: ReadonlyArray<GtBox & { ignore?: boolean }>,
  predAll: readonly PredBox[],
  iouMin = 0.5,
  ignoreRegions: ReadonlyArray<readonly number[]> = [],
): void {
  // Regions left unlabelled (distant traffic): nothing centred there counts either way.
  const inIgnored = (b: readonly number[]): boolean => {
    const cx = (b[0]! + b[2]!) / 2;
    const cy = (b[1]! + b[3]!) / 2;
    return ignoreRegions.some((r) => cx >= r[0]! && cx < r[2]! && cy >= r[1]! && cy < r[3]!);
  };
  const gt = gtAll.map((g) => (inIgnored(g.box) ? { ...g, ignore: true } : g));
  const pred = predAll.filter((p) => !inIgnored(p.box));
  const used = new Array<boolean>(gt.length).fill(false);
  for (const g of gt) if (!g.ignore) t[sizeBand(g.box)].gt++;
  const order = [...pred].sort((a, b) => b.score - a.score);
  for (const p of order) {
    let best = -1;
    let bestIou = iouMin;
    for (let k = 0; k < gt.length; k++) {
      if (used[k] || gt[k]!.cls !== p.cls) continue;
      const v = iou(gt[k]!.box, p.box);
      if (v >= bestIou) {
        best = k;
        bestIou = v;
      }
    }
    if (best >= 0) {
      used[best] = true;
      if (gt[best]!.ignore) continue;
      const band = sizeBand(gt[best]!.box);
      t[band].found++;
      t[band].pred++;
      t[band].correct++;
    } else {
      t[sizeBand(p.box)].pred++;
    }
  }
}
