/**
 * Sequential frames of a shared video for the tracking part of the accuracy harness
 * (docs/accuracy.md): ffmpeg decodes `durSec` seconds from `startSec` at `fps` as raw RGB24,
 * one frame at a time, so a minute of video never sits in memory. Frame `k` is the video's
 * frame at `startSec + k / fps`: when `fps` divides the video's rate, every n-th frame by
 * number (ffmpeg's `fps` filter is off by up to half an output interval: at 1.25 fps it
 * returns the campus frames at 0.3, 1.1, 1.9 s, at 5 fps the highway frames at 0.16, 0.36 s).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { XlError } from '../../contracts/errors.js';
import type { RgbFrame } from '../../models/frame.js';
import { dataDir } from './media.js';

export interface ClipRef {
  media: string;
  startSec: number;
  durSec: number;
  fps: number;
}

/** Width and height of a video (ffprobe). */
export async function probeSize(path: string): Promise<[number, number]> {
  const [w, h] = await probe(path);
  return [w, h];
}

/** Width, height and frame rate of a video (ffprobe). */
async function probe(path: string): Promise<[number, number, number]> {
  const out = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,r_frame_rate',
    '-of',
    'csv=p=0',
    path,
  ]);
  const [w, h, rate] = out.trim().split(',');
  const [num, den] = (rate ?? '').split('/').map(Number);
  const fps = (num ?? 0) / (den || 1);
  if (!Number(w) || !Number(h) || !fps)
    throw new XlError('BENCH_NO_MEDIA', `cannot read the size of ${path}`);
  return [Number(w), Number(h), fps];
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args);
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** Width and height of a clip's video. */
export function clipSize(c: ClipRef): Promise<[number, number]> {
  return probeSize(join(dataDir(), c.media));
}

/** The frames of a clip in order, with their time in seconds. */
export async function* clipFrames(c: ClipRef): AsyncGenerator<{ k: number; tSec: number; frame: RgbFrame }> {
  const path = join(dataDir(), c.media);
  const [width, height, rate] = await probe(path);
  const step = rate / c.fps;
  const exact = Math.abs(step - Math.round(step)) < 1e-6 && Math.round(step) >= 1;
  const vf = exact ? `select=not(mod(n\\,${Math.round(step)}))` : `fps=${c.fps}`;
  // Output seeking (after -i): decoding from the start is exact, and input seeking to 0 on
  // highway_cctv.avi (MPEG-4 with B-frames, three keyframes) yields grey, broken frames.
  const args = ['-loglevel', 'error', '-i', path, '-ss', String(c.startSec), '-t', String(c.durSec)];
  args.push('-vf', vf, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  let k = 0;
  for await (const frame of ffmpegFrames(args, width, height)) {
    yield { k, tSec: c.startSec + k / c.fps, frame };
    k++;
  }
}

/**
 * The frames ffmpeg writes as raw RGB24 of `width`×`height` to its stdout (`args` end with
 * `-f rawvideo -`, the pixel format rgb24), one at a time. ffmpeg is stopped when the reader
 * stops early, and reaped before the generator ends (its CPU then counts in the parent's
 * children times).
 */
export async function* ffmpegFrames(args: string[], width: number, height: number): AsyncGenerator<RgbFrame> {
  const size = width * height * 3;
  const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise((r) => p.on('close', r));
  let buf: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= size) {
        const data = new Uint8Array(size);
        data.set(buf.subarray(0, size));
        buf = buf.subarray(size);
        yield { data, width, height };
      }
    }
  } finally {
    p.kill();
    await closed;
  }
}
