/**
 * Faces in a snapshot crop (docs/privacy.md): the face detector on overlapping square tiles
 * of the crop, merged by NMS. A tall person crop letterboxed whole would shrink a small face
 * below what BlazeFace finds (its smallest anchors are 16 input px apart); a square tile
 * scaled to the 256 px input keeps it large enough. Boxes in crop pixels, nothing else kept.
 */
import { nmsClasswise } from '../decoders/nms.js';
import { Detections } from '../detections.js';
import type { RgbFrame } from '../frame.js';
import type { FaceDetectorPort } from './face-detector.js';

export type RectPx = [number, number, number, number];

/** Finds faces in an image: boxes in its pixels. */
export interface FaceFinder {
  findFaces(img: RgbFrame): Promise<Detections>;
}

/**
 * Square tiles covering a `w × h` image along its long side, neighbours overlapping by at
 * least a third of a side (a face cut by one tile's edge is whole in the next). Pure.
 */
export function squareTiles(w: number, h: number): RectPx[] {
  const side = Math.min(w, h);
  const long = Math.max(w, h);
  if (long <= side * 1.25) return [[0, 0, w, h]];
  const n = Math.ceil((long - side) / (side * (2 / 3))) + 1;
  const step = (long - side) / (n - 1);
  const out: RectPx[] = [];
  for (let i = 0; i < n; i++) {
    const o = Math.round(i * step);
    out.push(w >= h ? [o, 0, o + side, h] : [0, o, w, o + side]);
  }
  return out;
}

/** Copies a rectangle of packed RGB out of an image. Pure. */
export function cropRgb(img: RgbFrame, r: RectPx): RgbFrame {
  const [x1, y1, x2, y2] = r;
  const w = x2 - x1;
  const h = y2 - y1;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const so = ((y1 + y) * img.width + x1) * 3;
    data.set(img.data.subarray(so, so + w * 3), y * w * 3);
  }
  return { data, width: w, height: h };
}

/** The face detector over square tiles, in this thread. */
export class TiledFaceFinder implements FaceFinder {
  constructor(
    private readonly detector: FaceDetectorPort,
    private readonly minScore: number,
  ) {}

  async findFaces(img: RgbFrame): Promise<Detections> {
    const rows: Array<{ box: number[]; score: number; classId: number }> = [];
    for (const t of squareTiles(img.width, img.height)) {
      const d = await this.detector.detectFaces(cropRgb(img, t), { minScore: this.minScore });
      for (let i = 0; i < d.length; i++) {
        const b = d.box(i);
        rows.push({
          box: [b[0] + t[0], b[1] + t[1], b[2] + t[0], b[3] + t[1]],
          score: d.score[i]!,
          classId: 0,
        });
      }
    }
    return nmsClasswise(Detections.fromRows(rows), { iouThreshold: 0.3 });
  }
}
