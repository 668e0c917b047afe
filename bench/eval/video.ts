/**
 * Sequential frames of a shared video for the tracking part of the accuracy harness
 * (docs/accuracy.md): ffmpeg decodes `durSec` seconds from `startSec` resampled to `fps`
 * (its `fps` filter) as raw RGB24, one frame at a time, so a minute of video never sits in
 * memory. Frame `k` is at `startSec + k / fps`.
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
  const out = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    path,
  ]);
  const [w, h] = out.trim().split(',').map(Number);
  if (!w || !h) throw new XlError('BENCH_NO_MEDIA', `cannot read the size of ${path}`);
  return [w, h];
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
  const [width, height] = await probeSize(path);
  const size = width * height * 3;
  // Output seeking (after -i): decoding from the start is exact, and input seeking to 0 on
  // highway_cctv.avi (MPEG-4 with B-frames, three keyframes) yields grey, broken frames.
  const args = ['-loglevel', 'error', '-i', path, '-ss', String(c.startSec), '-t', String(c.durSec)];
  args.push('-vf', `fps=${c.fps}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf: Buffer = Buffer.alloc(0);
  let k = 0;
  try {
    for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= size) {
        const data = new Uint8Array(size);
        data.set(buf.subarray(0, size));
        buf = buf.subarray(size);
        yield { k, tSec: c.startSec + k / c.fps, frame: { data, width, height } };
        k++;
      }
    }
  } finally {
    p.kill();
  }
}
