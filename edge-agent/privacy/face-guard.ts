/**
 * Face blur before a snapshot is encoded (docs/privacy.md): the face finder's faces are
 * pixelated with a margin and — because a missed face is a privacy failure — so is the head
 * region of every person box in the crop, whether or not a face was found there. Nothing
 * about a face is kept: the boxes are used to blur and dropped.
 */
import type { FaceFinder } from '../../models/face/face-finder.js';
import type { RgbFrame } from '../../models/frame.js';
import { faceRegion, headRegion, pixelate, type RectPx } from './regions.js';

export interface FaceGuardOptions {
  /** Margin around a face, fraction of its size. */
  marginFrac: number;
  /** Blur the top of every person box, this fraction of its height (0 = off). */
  headFrac: number;
  /** Blocks on the longer side of a pixelated region. */
  blocksAcross: number;
}

/** Defaults measured with eval:faces (docs/privacy.md, "Measuring it"). */
export const FACE_GUARD_DEFAULTS: FaceGuardOptions = { marginFrac: 0.3, headFrac: 0.22, blocksAcross: 6 };

/** The face detector's sigmoid threshold by default: low, for recall (eval:faces). */
export const FACE_MIN_SCORE = 0.3;

export interface Protected {
  frame: RgbFrame;
  /** Faces the detector found (blurred). */
  faces: number;
  /** Every region pixelated (faces and heads), crop px, unclamped. */
  regions: RectPx[];
  /** Only the face detector's regions (for eval:faces). */
  faceRegions: RectPx[];
}

/** Blurs faces in snapshot crops. */
export interface FaceGuardPort {
  protect(img: RgbFrame, personsPx: ReadonlyArray<readonly number[]>): Promise<Protected>;
}

export class FaceGuard implements FaceGuardPort {
  constructor(
    private readonly finder: FaceFinder,
    private readonly o: FaceGuardOptions = FACE_GUARD_DEFAULTS,
  ) {}

  /**
   * The crop with faces and heads pixelated. `personsPx`: person boxes in the crop's pixels
   * (the snapshot's own track and anyone else in it; may reach outside the crop).
   */
  async protect(img: RgbFrame, personsPx: ReadonlyArray<readonly number[]>): Promise<Protected> {
    const faces = await this.finder.findFaces(img);
    const faceRegions: RectPx[] = [];
    for (let i = 0; i < faces.length; i++) faceRegions.push(faceRegion(faces.box(i), this.o.marginFrac));
    const regions = [...faceRegions];
    if (this.o.headFrac > 0) for (const p of personsPx) regions.push(headRegion(p, this.o.headFrac));
    return { frame: pixelate(img, regions, this.o.blocksAcross), faces: faces.length, regions, faceRegions };
  }
}
