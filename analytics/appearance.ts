/**
 * The appearance descriptor on the analytics side (docs/architecture.md#contracts, #privacy: clothing colours only, no
 * face or body biometrics). The format itself — 2 regions × 16 colour bins = 32 bytes, the
 * pixel → bin function, quantisation, base64 and the L2 comparison — is defined once in
 * `contracts/appearance.ts`, which the edge agent uses too (edge-agent/attributes/appearance.ts),
 * so the descriptors edge hits carry, uploaded crops and the seed all compare.
 *
 * Here: the descriptor of a whole person crop (an uploaded image), the seed's descriptors of
 * named colours, and the bins the similarity query probes (migration 005's prefilter).
 */
import {
  BIN_BLACK,
  BIN_DARK_GREY,
  BIN_LIGHT_GREY,
  BIN_WHITE,
  boxHistogram,
  DESCRIPTOR_BINS,
  DESCRIPTOR_BYTES,
  quantiseAppearance,
} from '../contracts/appearance.js';
import type { Colour } from '../contracts/hit.js';

export {
  appearanceDistance,
  appearanceSimilarity,
  DESCRIPTOR_BINS,
  DESCRIPTOR_BYTES,
  DESCRIPTOR_REGIONS,
  decodeAppearance as decodeDescriptor,
  encodeAppearance as encodeDescriptor,
  MAX_DISTANCE,
  pixelBin,
} from '../contracts/appearance.js';

/** The bin a named palette colour falls in most (the seed uses it to build descriptors). */
export const COLOUR_BIN: Readonly<Record<Colour, number>> = Object.freeze({
  red: 0,
  orange: 1,
  yellow: 2,
  green: 4,
  blue: 8,
  purple: 10,
  pink: 11,
  brown: 1,
  black: BIN_BLACK,
  grey: BIN_DARK_GREY,
  white: BIN_WHITE,
  unknown: BIN_LIGHT_GREY,
});

/** The descriptor of a whole RGB person crop (`data` is `width*height*3` bytes, row-major). */
export function appearanceDescriptor(data: Uint8Array, width: number, height: number): Uint8Array {
  if (data.length < width * height * 3 || width < 1 || height < 2)
    throw new RangeError('appearanceDescriptor: bad image size');
  return quantiseAppearance(boxHistogram({ data, widthPx: width, heightPx: height }, [0, 0, width, height]));
}

/** A descriptor for a person wearing `upper` over `lower` (seed needles, tests). */
export function descriptorOfColours(upper: Colour, lower: Colour): Uint8Array {
  const d = new Uint8Array(DESCRIPTOR_BYTES);
  d[COLOUR_BIN[upper]] = 255;
  d[DESCRIPTOR_BINS + COLOUR_BIN[lower]] = 255;
  return d;
}

/**
 * The bins of one region (0 upper, 1 lower) worth probing for a query descriptor: the `k`
 * largest non-zero bins, plus any bin holding at least a quarter of the region. The
 * appearances table keeps each row's dominant bin; a row whose dominant bin is none of these
 * is at least that far from the query in that region.
 */
export function probeBins(d: Uint8Array, region: 0 | 1, k = 2): number[] {
  const bins = Array.from(d.slice(region * DESCRIPTOR_BINS, (region + 1) * DESCRIPTOR_BINS), (v, b) => ({
    v,
    b,
  }));
  const ranked = bins.filter((x) => x.v > 0).sort((a, b) => b.v - a.v || a.b - b.b);
  return [...new Set([...ranked.slice(0, k), ...ranked.filter((x) => x.v >= 64)].map((x) => x.b))].sort(
    (a, b) => a - b,
  );
}
