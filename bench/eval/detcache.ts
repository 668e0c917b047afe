/**
 * Detections of a clip, cached on disk (the box is shared: a minute of video through a
 * detector costs minutes of CPU, and the tracker is evaluated many times on the same
 * detections). Keyed by model, clip, tiling and score thresholds; stored as JSON under
 * `~/.cache/xueliang/eval/` (or `XUELIANG_EVAL_CACHE`). Boxes are frame pixels, all classes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { Detector } from '../../models/detector.js';
import { detectTiled, type TiledBox } from './tiling.js';
import { type ClipRef, clipFrames } from './video.js';

export interface FrameDetections {
  tSec: number;
  dets: TiledBox[];
}

export function evalCacheDir(): string {
  return process.env.XUELIANG_EVAL_CACHE ?? join(homedir(), '.cache', 'xueliang', 'eval');
}

/** The clip's detections, from the cache or by running the detector (then cached). */
export async function clipDetections(
  det: Detector,
  clip: ClipRef,
  tiling: number,
  minScore: number,
  log: (s: string) => void = () => {},
  tileMinScore = 0,
): Promise<FrameDetections[]> {
  // v2: frames picked by number (./video.ts), not by ffmpeg's fps filter.
  const key = [
    'v2',
    det.name,
    basename(clip.media),
    clip.startSec,
    clip.durSec,
    clip.fps,
    `t${tiling}`,
    `s${minScore}`,
    // Tile boxes held to a higher score (edge-agent/tiling.ts); absent from older keys.
    ...(tiling >= 2 && tileMinScore > minScore ? [`ts${tileMinScore}`] : []),
  ];
  const file = join(evalCacheDir(), `${key.join('_')}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as FrameDetections[];
  const out: FrameDetections[] = [];
  const t0 = performance.now();
  for await (const { tSec, frame } of clipFrames(clip)) {
    const dets = await detectTiled(det, frame, tiling, minScore, tileMinScore);
    out.push({ tSec, dets: dets.map((d) => ({ ...d, box: d.box.map((v) => Math.round(v * 10) / 10) })) });
    if (out.length % 50 === 0) log(`detect ${det.name} ${clip.media}: ${out.length} frames`);
  }
  log(`detect ${det.name} ${clip.media}: ${out.length} frames in ${Math.round(performance.now() - t0)} ms`);
  mkdirSync(evalCacheDir(), { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}
