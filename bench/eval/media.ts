/**
 * Media access for the accuracy harness (docs/accuracy.md): one frame of a shared video at a
 * time in seconds, or a shared image, decoded to RGB24. Labels name media relative to the test
 * data directory (`video/campus_pedestrians.mp4`, `images/london_bus.jpg`); the media itself is
 * never in the repository.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { XlError } from '../../contracts/errors.js';
import { testDataDir } from '../../contracts/testdata.js';
import { type RgbFrame, readImage } from '../../models/frame.js';
import { frameAt } from '../../models/testkit.js';

/** A labelled frame: a shared image, or a video at `tSec`. */
export interface FrameRef {
  media: string;
  tSec?: number;
}

/** Resizes a frame (sharp, its default Lanczos filter: what a camera's or decoder's scaler does). */
export async function resizeFrame(f: RgbFrame, width: number, height: number): Promise<RgbFrame> {
  const data = await sharp(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength), {
    raw: { width: f.width, height: f.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

/** The test data directory, or a coded error when it is absent. */
export function dataDir(): string {
  const d = testDataDir();
  if (!d)
    throw new XlError('BENCH_NO_MEDIA', 'test media not found at ../shared/data (set XUELIANG_TEST_DATA)');
  return d;
}

/** Key of a frame for caching: `media@tSec`. */
export function frameKey(f: FrameRef): string {
  return f.tSec === undefined ? f.media : `${f.media}@${f.tSec}`;
}

/** Decodes one frame (ffmpeg with accurate seeking for videos, sharp for images). */
export async function loadFrame(f: FrameRef): Promise<RgbFrame> {
  const path = join(dataDir(), f.media);
  if (f.tSec === undefined) return readImage(path);
  return frameAt(path, f.tSec);
}

/** A frame cache for one run (frames are small: 768×576×3). */
export class FrameCache {
  private readonly frames = new Map<string, Promise<RgbFrame>>();
  get(f: FrameRef): Promise<RgbFrame> {
    const k = frameKey(f);
    let p = this.frames.get(k);
    if (!p) {
      p = loadFrame(f);
      this.frames.set(k, p);
    }
    return p;
  }
}
