/**
 * Multi-object tracking metrics for the accuracy harness (docs/accuracy.md), from their
 * published definitions. Pure: frames of ground-truth and hypothesis boxes with identities in,
 * counts out.
 *
 * - CLEAR MOT (Bernardin & Stiefelhagen, "Evaluating Multiple Object Tracking Performance:
 *   The CLEAR MOT Metrics", EURASIP JIVP 2008): per frame, correspondences of the previous
 *   frame are kept while still valid (IoU ≥ the threshold); the remaining objects and
 *   hypotheses are matched by an optimal assignment (most matches, then least total 1 − IoU);
 *   a mismatch (identity switch) is an object matched to a hypothesis other than the one it was
 *   last matched to (also after a gap); unmatched objects are misses, unmatched hypotheses false
 *   positives. MOTA = 1 − (misses + false positives + mismatches) / objects; MOTP = mean IoU
 *   of the matches.
 * - Identity measures (Ristani et al., "Performance Measures and a Data Set for Multi-Target,
 *   Multi-Camera Tracking", ECCV 2016 workshops): one-to-one matching of whole ground-truth
 *   trajectories to whole hypothesis trajectories maximising the frames where the matched pair
 *   overlaps (IoU ≥ the threshold); IDTP those frames, IDFN = objects − IDTP, IDFP =
 *   hypotheses − IDTP; IDF1 = 2·IDTP / (objects + hypotheses).
 */
import { assign } from '../../edge-agent/tracker/assignment.js';
import { iou } from './score.js';

/** One box with its identity (ground-truth id or tracker id). */
export interface IdBox {
  id: number;
  box: readonly number[];
}

export interface MotFrame {
  gt: readonly IdBox[];
  hyp: readonly IdBox[];
}

export interface MotResult {
  frames: number;
  /** Ground-truth boxes and hypothesis boxes over all frames. */
  objects: number;
  hypotheses: number;
  matches: number;
  misses: number;
  falsePositives: number;
  idSwitches: number;
  /** Distinct ground-truth and hypothesis identities. */
  gtIds: number;
  hypIds: number;
  mota: number;
  motp: number;
  idtp: number;
  idfp: number;
  idfn: number;
  idf1: number;
  idp: number;
  idr: number;
}

/** Cost of leaving a pair unmatched in the per-frame assignment: far above any real pair, so the most matches win first. */
const MANY = 1e6;

/** Per-frame CLEAR MOT matching: the pairs `[gtIndex, hypIndex, iou]` of one frame. */
function frameMatches(
  f: MotFrame,
  last: ReadonlyMap<number, number>,
  iouMin: number,
): Array<[number, number, number]> {
  const nG = f.gt.length;
  const nH = f.hyp.length;
  const sim = new Float64Array(nG * nH);
  for (let g = 0; g < nG; g++)
    for (let h = 0; h < nH; h++) sim[g * nH + h] = iou(f.gt[g]!.box, f.hyp[h]!.box);
  const out: Array<[number, number, number]> = [];
  const gUsed = new Uint8Array(nG);
  const hUsed = new Uint8Array(nH);
  // 1. keep the previous frame's correspondences that are still valid.
  for (let g = 0; g < nG; g++) {
    const prev = last.get(f.gt[g]!.id);
    if (prev === undefined) continue;
    const h = f.hyp.findIndex((x, k) => !hUsed[k] && x.id === prev);
    if (h >= 0 && sim[g * nH + h]! >= iouMin) {
      out.push([g, h, sim[g * nH + h]!]);
      gUsed[g] = 1;
      hUsed[h] = 1;
    }
  }
  // 2. optimal assignment of the rest.
  const gs = [...Array(nG).keys()].filter((g) => !gUsed[g]);
  const hs = [...Array(nH).keys()].filter((h) => !hUsed[h]);
  const cost = new Float64Array(gs.length * hs.length);
  gs.forEach((g, i) => {
    hs.forEach((h, j) => {
      const v = sim[g * nH + h]!;
      cost[i * hs.length + j] = v >= iouMin ? 1 - v : Number.POSITIVE_INFINITY;
    });
  });
  for (const [i, j] of assign(cost, gs.length, hs.length, MANY).matches)
    out.push([gs[i]!, hs[j]!, sim[gs[i]! * nH + hs[j]!]!]);
  return out;
}

/** CLEAR MOT and identity measures over a sequence of frames at IoU ≥ `iouMin`. */
export function motMetrics(frames: readonly MotFrame[], iouMin = 0.5): MotResult {
  let objects = 0;
  let hypotheses = 0;
  let matches = 0;
  let idSwitches = 0;
  let iouSum = 0;
  const prevFrame = new Map<number, number>(); // gt id → hyp id, previous frame's correspondences
  const lastMatch = new Map<number, number>(); // gt id → hyp id it was last matched to
  const gtLen = new Map<number, number>();
  const hypLen = new Map<number, number>();
  const overlap = new Map<string, number>(); // "g h" → frames where the pair overlaps
  for (const f of frames) {
    objects += f.gt.length;
    hypotheses += f.hyp.length;
    for (const g of f.gt) gtLen.set(g.id, (gtLen.get(g.id) ?? 0) + 1);
    for (const h of f.hyp) hypLen.set(h.id, (hypLen.get(h.id) ?? 0) + 1);
    for (const g of f.gt)
      for (const h of f.hyp)
        if (iou(g.box, h.box) >= iouMin)
          overlap.set(`${g.id} ${h.id}`, (overlap.get(`${g.id} ${h.id}`) ?? 0) + 1);
    const m = frameMatches(f, prevFrame, iouMin);
    prevFrame.clear();
    for (const [g, h, v] of m) {
      const gid = f.gt[g]!.id;
      const hid = f.hyp[h]!.id;
      const before = lastMatch.get(gid);
      if (before !== undefined && before !== hid) idSwitches++;
      lastMatch.set(gid, hid);
      prevFrame.set(gid, hid);
      matches++;
      iouSum += v;
    }
  }
  const idtp = identityTruePositives([...gtLen.keys()], [...hypLen.keys()], overlap);
  const misses = objects - matches;
  const falsePositives = hypotheses - matches;
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    frames: frames.length,
    objects,
    hypotheses,
    matches,
    misses,
    falsePositives,
    idSwitches,
    gtIds: gtLen.size,
    hypIds: hypLen.size,
    mota: objects === 0 ? 0 : 1 - (misses + falsePositives + idSwitches) / objects,
    motp: ratio(iouSum, matches),
    idtp,
    idfp: hypotheses - idtp,
    idfn: objects - idtp,
    idf1: ratio(2 * idtp, objects + hypotheses),
    idp: ratio(idtp, hypotheses),
    idr: ratio(idtp, objects),
  };
}

/** The largest total overlap of a one-to-one matching of ground-truth to hypothesis identities. */
function identityTruePositives(
  gIds: readonly number[],
  hIds: readonly number[],
  overlap: ReadonlyMap<string, number>,
): number {
  let top = 0;
  for (const v of overlap.values()) top = Math.max(top, v);
  const limit = top + 1;
  // cost limit − overlap: the assignment minimises Σ(limit − o) + (limit / 2)·unmatched ends,
  // which is a constant minus Σ o over the chosen pairs; pairs that never overlap are excluded.
  const cost = new Float64Array(gIds.length * hIds.length);
  gIds.forEach((g, i) => {
    hIds.forEach((h, j) => {
      const o = overlap.get(`${g} ${h}`) ?? 0;
      cost[i * hIds.length + j] = o > 0 ? limit - o : Number.POSITIVE_INFINITY;
    });
  });
  let idtp = 0;
  for (const [i, j] of assign(cost, gIds.length, hIds.length, limit).matches)
    idtp += overlap.get(`${gIds[i]} ${hIds[j]}`) ?? 0;
  return idtp;
}
