/**
 * The face-blur metric (docs/privacy.md, "Measuring it"): how much of a labelled face box a
 * set of blurred rectangles covers, counted on the pixel grid. A face counts as protected
 * when at least PROTECTED_COVERAGE of its pixels are blurred. Pure.
 */

/** A face counts as protected when this fraction of its box's pixels is blurred. */
export const PROTECTED_COVERAGE = 0.9;

/**
 * Fraction of the integer pixels of `box` (x1, y1, x2, y2; half-open after rounding) that
 * lie inside at least one of `regions`. An empty box counts as fully covered.
 */
export function coveredFraction(box: readonly number[], regions: ReadonlyArray<readonly number[]>): number {
  const x1 = Math.floor(box[0]!);
  const y1 = Math.floor(box[1]!);
  const x2 = Math.ceil(box[2]!);
  const y2 = Math.ceil(box[3]!);
  const total = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  if (total === 0) return 1;
  let covered = 0;
  for (let y = y1; y < y2; y++)
    for (let x = x1; x < x2; x++) {
      const cx = x + 0.5;
      const cy = y + 0.5;
      if (regions.some((r) => cx >= r[0]! && cx < r[2]! && cy >= r[1]! && cy < r[3]!)) covered++;
    }
  return covered / total;
}

/** Intersection area of two boxes over the area of `a`. */
export function overlapOf(a: readonly number[], b: readonly number[]): number {
  const iw = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const ih = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const area = Math.max(0, a[2]! - a[0]!) * Math.max(0, a[3]! - a[1]!);
  return area > 0 ? (iw * ih) / area : 0;
}
