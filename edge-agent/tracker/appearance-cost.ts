/**
 * Appearance terms of the tracker's association (edge-agent/tracker/tracker.ts), in the
 * manner of DeepSORT (Wojke et al., ICIP 2017: an appearance gate beside the motion gate)
 * and BoT-SORT (Aharon et al., 2022: a per-track feature as an exponential moving average,
 * appearance distance mixed into the IoU cost). The feature is the colour histogram the agent
 * already computes per box (contracts/appearance.ts: 2 body regions × 16 colour bins, each
 * region summing to 1, or all 0 when the region fell outside the frame). Pure.
 */

/** Bins per region of the histogram (contracts/appearance.ts). */
const BINS = 16;

/**
 * Distance of two 2 × 16 histograms, 0 (same) to 1 (no shared bin): one minus the histogram
 * intersection (Swain & Ballard 1991), averaged over the regions both have; undefined when
 * they share no non-empty region or either is missing.
 */
export function histogramDistance(
  a: Float32Array | undefined,
  b: Float32Array | undefined,
): number | undefined {
  if (!a || !b || a.length !== b.length || a.length % BINS !== 0) return undefined;
  let sum = 0;
  let regions = 0;
  for (let r = 0; r < a.length / BINS; r++) {
    let inter = 0;
    let ma = 0;
    let mb = 0;
    for (let k = r * BINS; k < (r + 1) * BINS; k++) {
      inter += Math.min(a[k]!, b[k]!);
      ma += a[k]!;
      mb += b[k]!;
    }
    if (ma < 0.5 || mb < 0.5) continue;
    sum += 1 - inter / Math.min(ma, mb);
    regions++;
  }
  return regions === 0 ? undefined : Math.min(1, Math.max(0, sum / regions));
}

/** A track's appearance: an exponential moving average of its boxes' histograms (BoT-SORT's α = 0.9). */
export class AppearanceMemory {
  feature: Float32Array | undefined;
  samples = 0;

  constructor(private readonly momentum: number) {}

  add(h: Float32Array | undefined): void {
    if (!h) return;
    if (!this.feature || this.feature.length !== h.length) {
      this.feature = Float32Array.from(h);
    } else {
      const m = this.samples < 3 ? 0.5 : this.momentum;
      for (let k = 0; k < h.length; k++) this.feature[k] = m * this.feature[k]! + (1 - m) * h[k]!;
    }
    this.samples++;
  }
}
