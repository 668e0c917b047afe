/**
 * Camera sources against real ffmpeg: a file source (exact frames, pacing, looping) and a
 * real RTSP server (GStreamer's, see testdata/rtsp-server.py) that is killed, restarted and
 * frozen while the source runs.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../contracts/log.js';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import {
  type CameraFrame,
  CameraSource,
  type CameraSourceOptions,
  type SourceStatus,
} from './camera-source.js';
import { freePort, type RtspServer, rtspServerUnavailable, startRtspServer } from './testdata/rtsp-server.js';

const data = testDataDir();
const campus = data ? join(data, 'video', 'campus_pedestrians.mp4') : '';
const noRtsp = rtspServerUnavailable();
if (!data) console.warn(`edge-agent/source: ${NO_TEST_DATA}`);
if (noRtsp) console.warn(`edge-agent/source: RTSP tests skipped: ${noRtsp}`);

const W = 192;
const H = 144;
const open: Array<CameraSource | RtspServer> = [];
afterEach(async () => {
  for (const x of open.splice(0)) await (x instanceof CameraSource ? x.stop() : x.kill());
});

function source(o: Partial<CameraSourceOptions> & { url: string }): {
  src: CameraSource;
  frames: CameraFrame[];
  status: SourceStatus[];
} {
  const src = new CameraSource({
    id: 'cam-t',
    fps: 5,
    width: W,
    height: H,
    loop: false,
    speed: 0,
    stallMs: 3000,
    backoff: { initialMs: 200, maxMs: 1000, factor: 2, jitter: 0.2 },
    log: silentLogger(),
    ...o,
  });
  const frames: CameraFrame[] = [];
  const status: SourceStatus[] = [];
  src.on('frame', (f) => frames.push(f));
  src.on('status', (s) => status.push(s));
  open.push(src);
  return { src, frames, status };
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Mean absolute difference of two frames (0..255). */
function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 7) s += Math.abs(a[i]! - b[i]!);
  return s / Math.ceil(a.length / 7);
}

describe.skipIf(!data)('file source (real ffmpeg)', () => {
  it('decodes a whole file into exact-size frames at the configured fps, media-timed', async () => {
    const { src, frames, status } = source({ url: campus });
    src.start();
    await until('end of file', () => status.some((s) => s.state === 'ended'), 60_000);
    // 79.5 s at 5 fps (campus_pedestrians.mp4: 795 frames at 10 fps).
    expect(frames.length).toBeGreaterThanOrEqual(395);
    expect(frames.length).toBeLessThanOrEqual(399);
    for (const f of frames) expect(f.frame.data.length).toBe(W * H * 3);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    // Media time: 200 ms per frame at 5 fps, whatever the decode speed.
    expect(frames[10]!.tsMs - frames[0]!.tsMs).toBe(2000);
    // Real pictures: consecutive frames of people walking differ a little, distant ones more.
    expect(meanAbsDiff(frames[0]!.frame.data, frames[200]!.frame.data)).toBeGreaterThan(1);
    expect(status.map((s) => s.state)).toEqual(['connecting', 'streaming', 'ended']);
  }, 90_000);

  it('paces a file in real time (speed 1) and loops it', async () => {
    const { src, frames } = source({ url: campus, speed: 1, loop: true });
    src.start();
    await until('first frame', () => frames.length > 0, 10_000);
    const n0 = frames.length;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const rate = ((frames.length - n0) * 1000) / (Date.now() - t0);
    expect(rate).toBeGreaterThan(3.5);
    expect(rate).toBeLessThan(6.5);
  }, 30_000);

  it('loops a file seamlessly: frame numbers and media time go on past the end', async () => {
    const { src, frames, status } = source({ url: campus, loop: true, width: 64, height: 48, fps: 10 });
    src.start();
    await until('a second pass', () => frames.length > 900, 60_000);
    await src.stop();
    expect(status.some((s) => s.state === 'ended' || s.state === 'reconnecting')).toBe(false);
    const dt = frames.slice(1).map((f, i) => f.tsMs - frames[i]!.tsMs);
    expect(Math.min(...dt)).toBeGreaterThanOrEqual(99);
    expect(Math.max(...dt)).toBeLessThanOrEqual(101);
  }, 90_000);

  it('backpressure: a paused lossless source stops producing, and resumes', async () => {
    const { src, frames } = source({ url: campus });
    src.start();
    await until('frames', () => frames.length >= 3, 10_000);
    src.pause();
    await new Promise((r) => setTimeout(r, 300));
    const n = frames.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(frames.length).toBe(n);
    src.resume();
    await until('more frames', () => frames.length > n + 10, 10_000);
  }, 30_000);
});

describe.skipIf(!data || !!noRtsp)('RTSP source against a real RTSP server', () => {
  it('receives frames, survives the server being killed and restarted, and reports the reconnect', async () => {
    const port = await freePort();
    let server = await startRtspServer(campus, port);
    open.push(server);
    const { src, frames, status } = source({ url: server.url, speed: 1, stallMs: 4000 });
    src.start();
    await until('frames over RTSP', () => frames.length >= 10, 20_000);
    expect(frames[0]!.frame.data.length).toBe(W * H * 3);
    expect(status.find((s) => s.state === 'streaming')!.reconnects).toBe(0);

    await server.kill();
    await until('the source to notice', () => status.some((s) => s.state === 'reconnecting'), 15_000);
    const down = status.find((s) => s.state === 'reconnecting')!;
    expect(down.error?.code).toMatch(/^EDGE_SOURCE_(FAILED|STALLED)$/);
    // Let a few connection attempts fail (backoff), then bring the server back on the same port.
    await new Promise((r) => setTimeout(r, 1500));
    const nDown = frames.length;
    server = await startRtspServer(campus, port);
    open.push(server);
    await until('frames again', () => frames.length >= nDown + 10, 30_000);
    const back = status.filter((s) => s.state === 'streaming').at(-1)!;
    expect(back.reconnects).toBeGreaterThanOrEqual(1);
    expect(src.status().state).toBe('streaming');
  }, 90_000);

  it('a frozen stream trips the stall watchdog, which restarts ffmpeg', async () => {
    const port = await freePort();
    const server = await startRtspServer(campus, port);
    open.push(server);
    const { src, frames, status } = source({ url: server.url, speed: 1, stallMs: 1500 });
    src.start();
    await until('frames over RTSP', () => frames.length >= 5, 20_000);
    server.proc.kill('SIGSTOP'); // the TCP connection stays open; no data flows
    try {
      await until('the watchdog', () => status.some((s) => s.state === 'stalled'), 10_000);
    } finally {
      server.proc.kill('SIGCONT');
    }
    expect(status.find((s) => s.state === 'stalled')!.error?.code).toBe('EDGE_SOURCE_STALLED');
    const n = frames.length;
    await until('frames after the stall', () => frames.length >= n + 5, 30_000);
    expect(status.filter((s) => s.state === 'streaming').at(-1)!.reconnects).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
