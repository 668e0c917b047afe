/**
 * The appearance descriptor (DESIGN §3, §11): a colour histogram of a person crop — clothing
 * colours only, no face or body biometrics. Pure: RGB pixels in, bytes out.
 *
 * Layout (32 bytes, base64 in the hit's `appearance`): two regions of the crop, the upper body
 * (rows 15–50 % of the box) and the lower body (rows 50–95 %), central 60 % of the columns;
 * 16 bins per region: 12 hue sectors of 30° centred on red (0°), orange (30°), yellow (60°), …,
 * for pixels with saturation ≥ 0.2 and value ≥ 0.2, then black (value < 0.2), dark grey, light
 * grey and white for the unsaturated ones. Each region's bins sum to 255 (rounded). Compared
 * with L2 distance.
 *
 * The edge agent's attribute extractor (edge-agent/attributes/, in progress when this was
 * written) should call `appearanceDescriptor` so stored descriptors and query crops agree.
 */
import type { Colour } from '../contracts/hit.js';

export const DESCRIPTOR_BINS = 16;
export const DESCRIPTOR_BYTES = 2 * DESCRIPTOR_BINS;

const BLACK = 12;
const DARK_GREY = 13;
const LIGHT_GREY = 14;
const WHITE = 15;

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
  black: BLACK,
  grey: DARK_GREY,
  white: WHITE,
  unknown: LIGHT_GREY,
});

/** The bin of one pixel (r, g, b in 0..255). */
export function pixelBin(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  if (v < 0.2) return BLACK;
  const s = max === 0 ? 0 : (max - min) / max;
  if (s < 0.2) return v < 0.45 ? DARK_GREY : v < 0.75 ? LIGHT_GREY : WHITE;
  const d = max - min;
  let h: number;
  if (max === r) h = 60 * (((g - b) / d + 6) % 6);
  else if (max === g) h = 60 * ((b - r) / d + 2);
  else h = 60 * ((r - g) / d + 4);
  return Math.floor(((h + 15) % 360) / 30);
}

/** The descriptor of an RGB crop (`data` is `width*height*3` bytes, row-major). */
export function appearanceDescriptor(data: Uint8Array, width: number, height: number): Uint8Array {
  if (data.length < width * height * 3 || width < 1 || height < 2) throw new RangeError('appearanceDescriptor: bad image size');
  const out = new Uint8Array(DESCRIPTOR_BYTES);
  const x0 = Math.floor(width * 0.2);
  const x1 = Math.max(x0 + 1, Math.ceil(width * 0.8));
  const regions: Array<[number, number]> = [
    [Math.floor(height * 0.15), Math.max(Math.floor(height * 0.15) + 1, Math.floor(height * 0.5))],
    [Math.floor(height * 0.5), Math.max(Math.floor(height * 0.5) + 1, Math.ceil(height * 0.95))],
  ];
  regions.forEach(([y0, y1], k) => {
    const counts = new Float64Array(DESCRIPTOR_BINS);
    let total = 0;
    for (let y = y0; y < Math.min(y1, height); y++) {
      for (let x = x0; x < x1; x++) {
        const p = (y * width + x) * 3;
        counts[pixelBin(data[p]!, data[p + 1]!, data[p + 2]!)]! += 1;
        total++;
      }
    }
    for (let b = 0; b < DESCRIPTOR_BINS; b++) out[k * DESCRIPTOR_BINS + b] = total ? Math.round((counts[b]! * 255) / total) : 0;
  });
  return out;
}

export function encodeDescriptor(d: Uint8Array): string {
  return Buffer.from(d).toString('base64');
}

export function decodeDescriptor(b64: string): Uint8Array | undefined {
  const d = new Uint8Array(Buffer.from(b64, 'base64'));
  return d.length === DESCRIPTOR_BYTES ? d : undefined;
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
  const bins = Array.from(d.slice(region * DESCRIPTOR_BINS, (region + 1) * DESCRIPTOR_BINS), (v, b) => ({ v, b }));
  const ranked = bins.filter((x) => x.v > 0).sort((a, b) => b.v - a.v || a.b - b.b);
  return [...new Set([...ranked.slice(0, k), ...ranked.filter((x) => x.v >= 64)].map((x) => x.b))].sort((a, b) => a - b);
}
