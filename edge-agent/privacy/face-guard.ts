/**
 * Face blur before a snapshot is encoded (docs/privacy.md): the face detector runs on square
 * tiles of the crop, each face found is pixelated with a margin, and — because a missed face
 * is a privacy failure — the head region of every person box in the crop is pixelated too,
 * whether or not a face was found there. Nothing about a face is kept: the detector's boxes
 * are used to blur and dropped.
 */
import { nmsClasswise } from '../../models/decoders/nms.js';
import { Detections } from '../../models/detections.js';
import type { FaceDetectorPort } from '../../models/face/face-detector.js';
import type { RgbFrame } from '../../models/frame.js';
import { faceRegion, headRegion, pixelate, type RectPx, squareTiles } from './regions.js';

export interface FaceGuardOptions {
  /** Face detector sigmoid threshold (low, for recall). */
  minScore: number;
  /** Margin around a face, fraction of its size. */
  marginFrac: number;
  /** Blur the head region of every person box (0 = off), fraction of the box height. */
  headFrac: number;
  /** Blocks on the longer side of a pixelated region. */
  blocksAcross: number;
}

export const FACE_GUARD_DEFAULTS: FaceGuardOptions = {
  minScore: 0.3,
  marginFrac: 0.3,
  headFrac: 0.22,
  blocksAcross: 6,
};

export interface Protected {
  frame: RgbFrame;
  /** Faces the detector found (blurred). */
  faces: number;
  /** Every region pixelated (faces and heads), crop px. */
  regions: RectPx[];
}

/** Crops a packed RGB region out of an image. */
function cropRgb(img: RgbFrame, r: RectPx): RgbFrame {
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

export class FaceGuard {
  constructor(
    private readonly detector: FaceDetectorPort,
    private readonly o: FaceGuardOptions = FACE_GUARD_DEFAULTS,
  ) {}

  /** Face boxes in image px, found on overlapping square tiles and merged by NMS. */
  async findFaces(img: RgbFrame): Promise<Detections> {
    const rows: Array<{ box: number[]; score: number; classId: number }> = [];
    for (const t of squareTiles(img.width, img.height)) {
      const d = await this.detector.detectFaces(cropRgb(img, t), { minScore: this.o.minScore });
      for (let i = 0; i < d.length; i++) {
        const b = d.box(i);
        rows.push({ box: [b[0] + t[0], b[1] + t[1], b[2] + t[0], b[3] + t[1]], score: d.score[i]!, classId: 0 });
      }
    }
    return nmsClasswise(Detections.fromRows(rows), { iouThreshold: 0.3 });
  }

  /**
   * The crop with faces and heads pixelated. `personsPx`: person boxes in the crop's pixels
   * (the snapshot's own track and anyone else in it).
   */
  async protect(img: RgbFrame, personsPx: ReadonlyArray<readonly number[]>): Promise<Protected> {
    const faces = await this.findFaces(img);
    const regions: RectPx[] = [];
    for (let i = 0; i < faces.length; i++) regions.push(faceRegion(faces.box(i), this.o.marginFrac));
    if (this.o.headFrac > 0) for (const p of personsPx) regions.push(headRegion(p, this.o.headFrac));
    return { frame: pixelate(img, regions, this.o.blocksAcross), faces: faces.length, regions };
  }
}
