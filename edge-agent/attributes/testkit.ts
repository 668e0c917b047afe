/** Test fixtures for attribute extraction: synthetic RGB images. */
import type { Box } from '../geometry.js';
import type { RgbImage } from './colour.js';

/** A `widthPx × heightPx` image filled with one colour. */
export function solidImage(
  widthPx: number,
  heightPx: number,
  rgb: readonly [number, number, number],
): RgbImage {
  const data = new Uint8Array(widthPx * heightPx * 3);
  for (let p = 0; p < data.length; p += 3) data.set(rgb, p);
  return { data, widthPx, heightPx };
}

/** Paints `boxPx` (clamped) of `img` with one colour, in place; returns the image. */
export function paint(img: RgbImage, boxPx: Box, rgb: readonly [number, number, number]): RgbImage {
  for (let y = Math.max(0, Math.floor(boxPx[1])); y < Math.min(img.heightPx, Math.ceil(boxPx[3])); y++) {
    for (let x = Math.max(0, Math.floor(boxPx[0])); x < Math.min(img.widthPx, Math.ceil(boxPx[2])); x++) {
      img.data.set(rgb, (y * img.widthPx + x) * 3);
    }
  }
  return img;
}

/** A person-shaped test figure in `boxPx`: head, upper body in `upper`, legs in `lower`, on `img`. */
export function paintPerson(
  img: RgbImage,
  boxPx: Box,
  upper: readonly [number, number, number],
  lower: readonly [number, number, number],
  head: readonly [number, number, number] = [230, 190, 160],
): RgbImage {
  const [x1, y1, x2, y2] = boxPx;
  const h = y2 - y1;
  const w = x2 - x1;
  paint(img, [x1 + 0.3 * w, y1, x1 + 0.7 * w, y1 + 0.14 * h], head);
  paint(img, [x1 + 0.1 * w, y1 + 0.14 * h, x2 - 0.1 * w, y1 + 0.52 * h], upper);
  paint(img, [x1 + 0.2 * w, y1 + 0.52 * h, x2 - 0.2 * w, y2], lower);
  return img;
}
