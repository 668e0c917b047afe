/**
 * A camera source: an ffmpeg child (through fluent-ffmpeg) decoding an RTSP stream or a video
 * file to packed RGB24 frames of exactly `width * height * 3` bytes on stdout (docs/architecture.md#edge-agent).
 *
 * - RTSP over TCP (`-rtsp_transport tcp`: UDP loses packets behind NAT and on busy links),
 *   `fps` and `scale` filters, `rawvideo rgb24`.
 * - File sources are paced in real time (`-readrate speed`, i.e. `-re` at 1) and optionally
 *   looped (`-stream_loop -1`), so a replayed file behaves like a camera. `speed: 0` reads a
 *   file as fast as the consumer takes frames (lossless; tests and benchmarks).
 * - When ffmpeg exits or fails, it is restarted after a capped exponential backoff; a stall
 *   watchdog kills and restarts ffmpeg when no frame arrives for `stallMs`.
 * - Every state change is a `status` event (published retained and exposed as metrics by
 *   the agent).
 *
 * This is an adapter (it spawns processes and reads the clock); its pure parts are the
 * frame assembler and the backoff schedule.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { XlError } from '../../contracts/errors.js';
import type { Logger } from '../../contracts/log.js';
import type { SourceState } from '../../contracts/status.js';
import { within } from '../../contracts/within.js';
import type { RgbFrame } from '../../models/frame.js';
import { type BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import { FrameAssembler } from './frame-assembler.js';

/** One decoded frame of a camera. */
export interface CameraFrame {
  camera: string;
  /** Frame number since the source started (continues across restarts and loops). */
  seq: number;
  /**
   * When the frame was seen, epoch ms: the wall clock for live streams; for file sources the
   * start time plus media time (frame number ÷ fps), so rules measure durations in the
   * footage's time even when a test plays it faster than real time.
   */
  tsMs: number;
  /** Wall clock when the frame was assembled (latency is measured from here). */
  receivedMs: number;
  frame: RgbFrame;
}

export type { SourceState };

/** A camera's state, emitted on every change. */
export interface SourceStatus {
  camera: string;
  state: SourceState;
  /** When the state changed, epoch ms. */
  tsMs: number;
  /** ffmpeg restarts after a failure or stall, since the source started. */
  reconnects: number;
  framesIn: number;
  lastFrameMs: number | null;
  /** The failure that caused this state (reconnecting, stalled). */
  error?: { code: string; message: string };
  /** Delay before the next attempt (reconnecting). */
  retryInMs?: number;
}

export interface CameraSourceOptions {
  id: string;
  /** `rtsp://…` (or `rtsps://`, `http(s)://`, `udp://`) URL, or a video file path. */
  url: string;
  fps: number;
  width: number;
  height: number;
  /** Loop a file source forever. */
  loop: boolean;
  /** File sources: playback speed (1 = real time); 0 = unpaced, lossless with backpressure. */
  speed: number;
  /** No frame for this long → kill and restart ffmpeg, ms. */
  stallMs: number;
  backoff?: Readonly<BackoffOptions>;
  ffmpegPath?: string;
  log: Logger;
  /** Clock (tests). */
  now?: () => number;
}

const CONNECT_GRACE_MS = 10_000;
const STREAM_URL = /^(rtsps?|rtmps?|https?|udp|tcp|srt):\/\//i;

/** True when the URL is a network stream rather than a file. */
export function isStreamUrl(url: string): boolean {
  return STREAM_URL.test(url);
}

/** ffmpeg input and output options for a camera (pure; tested). */
export function ffmpegArgs(
  o: Pick<CameraSourceOptions, 'url' | 'fps' | 'width' | 'height' | 'loop' | 'speed' | 'stallMs'>,
): {
  input: string[];
  output: string[];
} {
  const input: string[] = [];
  if (/^rtsps?:\/\//i.test(o.url)) {
    // -timeout (µs) makes ffmpeg itself give up on a dead socket; the watchdog is the backstop.
    // -analyzeduration 1 s: ffmpeg's default 5 s probe delays the first frame (measured 2.5 s
    // vs 1.3 s against the GStreamer test server).
    input.push('-rtsp_transport', 'tcp', '-timeout', String(Math.max(1, Math.round(o.stallMs)) * 1000));
    input.push('-analyzeduration', '1000000');
  } else if (!isStreamUrl(o.url)) {
    if (o.speed > 0) input.push('-readrate', String(o.speed));
    if (o.loop) input.push('-stream_loop', '-1');
  }
  // One decoder thread per camera: a gateway runs many ffmpegs, and frame threading only
  // adds latency and wakeups. Scaling happens in YUV with the area filter (a box filter when
  // shrinking), then a separate, unscaled conversion to RGB takes swscale's SIMD path;
  // scaling straight to rgb24 with the default bicubic cost 9.0 ms of ffmpeg CPU per frame
  // (campus_pedestrians 768x576 → 640x480 at 5 fps), area straight to rgb24 6.4 ms, this
  // 4.9 ms (docs/edge.md). The two differ by 1.5 levels per pixel on average (PSNR 42 dB).
  input.push('-threads', '1');
  const output = [
    '-an',
    '-sn',
    '-vf',
    `fps=${o.fps},scale=${o.width}:${o.height}:flags=area,format=yuv420p`,
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
  ];
  return { input, output };
}

/** Event map of {@link CameraSource}. */
export interface CameraSourceEvents {
  frame: [CameraFrame];
  status: [SourceStatus];
}

/**
 * One camera. `start()` runs until `stop()`; frames and status changes arrive as events.
 * `pause()`/`resume()` apply backpressure to a lossless file source.
 */
export class CameraSource extends EventEmitter<CameraSourceEvents> {
  private readonly opts: Required<Omit<CameraSourceOptions, 'ffmpegPath'>> & { ffmpegPath?: string };
  private readonly assembler: FrameAssembler;
  private cmd: ffmpeg.FfmpegCommand | undefined;
  private out: Readable | undefined;
  private state: SourceState = 'stopped';
  private running = false;
  private paused = false;
  private held = false;
  private attempt = 0;
  private seq = 0;
  /** seq at the (re)start of the current file playback and its start time. */
  private epoch = { seq: 0, tsMs: 0 };
  private framesIn = 0;
  private reconnects = 0;
  private lastFrameMs: number | null = null;
  private lastProgressMs = 0;
  /** Whether the running ffmpeg has produced a frame (before that, connecting may take longer). */
  private gotFrame = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stderrTail: string[] = [];
  private readonly isFile: boolean;

  constructor(opts: CameraSourceOptions) {
    super();
    this.opts = { backoff: DEFAULT_BACKOFF, now: Date.now, ...opts };
    this.assembler = new FrameAssembler(opts.width * opts.height * 3);
    this.isFile = !isStreamUrl(opts.url);
  }

  get id(): string {
    return this.opts.id;
  }

  /** The current status. */
  status(): SourceStatus {
    return {
      camera: this.opts.id,
      state: this.state,
      tsMs: this.opts.now(),
      reconnects: this.reconnects,
      framesIn: this.framesIn,
      lastFrameMs: this.lastFrameMs,
    };
  }

  /**
   * CPU time (user + system) the current ffmpeg child has used, ms, from /proc (Linux);
   * undefined elsewhere or between restarts. The agent turns it into decode ms per frame.
   */
  ffmpegCpuMs(): number | undefined {
    const pid = (this.cmd as unknown as { ffmpegProc?: { pid?: number } } | undefined)?.ffmpegProc?.pid;
    if (pid === undefined) return undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 (utime, stime) in clock ticks; USER_HZ is 100 on Linux.
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return undefined;
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
    const tick = Math.max(50, Math.min(1000, Math.floor(this.opts.stallMs / 4)));
    this.watchdog = setInterval(() => this.checkStall(), tick);
    this.watchdog.unref();
  }

  /** Stops ffmpeg and every timer; emits `stopped`. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    await this.killChild();
    this.setState('stopped');
  }

  /** Stops reading stdout (ffmpeg blocks on a full pipe); for lossless file sources. */
  pause(): void {
    this.paused = true;
    this.out?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.held) return;
    this.lastProgressMs = this.opts.now();
    this.out?.resume();
  }

  /**
   * Holds a lossless file source regardless of pause/resume (benchmarks: the detector alone
   * is measured while every camera is held). Live streams cannot be held.
   */
  hold(held: boolean): void {
    if (!this.isFile || this.opts.speed !== 0) return;
    this.held = held;
    if (held) this.out?.pause();
    else if (!this.paused) {
      this.lastProgressMs = this.opts.now();
      this.out?.resume();
    }
  }

  private spawn(): void {
    const o = this.opts;
    const { input, output } = ffmpegArgs(o);
    this.assembler.reset();
    this.stderrTail = [];
    this.lastProgressMs = o.now();
    this.gotFrame = false;
    this.epoch = { seq: this.seq, tsMs: o.now() };
    this.setState(this.reconnects > 0 ? 'reconnecting' : 'connecting');
    const cmd = ffmpeg(o.url).inputOptions(input).outputOptions(output).addOption('-loglevel', 'error');
    if (o.ffmpegPath) cmd.setFfmpegPath(o.ffmpegPath);
    cmd.on('stderr', (line: string) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 8) this.stderrTail.shift();
    });
    cmd.on('error', (err: Error) => this.onExit(cmd, err));
    cmd.on('end', () => this.onExit(cmd, undefined));
    const out = cmd.pipe() as unknown as Readable;
    out.on('data', (chunk: Buffer) => this.onData(chunk));
    out.on('error', () => {}); // reported through cmd 'error'
    if (this.paused || this.held) out.pause();
    this.cmd = cmd;
    this.out = out;
  }

  private onData(chunk: Buffer): void {
    const now = this.opts.now();
    this.lastProgressMs = now;
    for (const data of this.assembler.push(chunk)) {
      const seq = this.seq++;
      const tsMs = this.isFile ? this.epoch.tsMs + ((seq - this.epoch.seq) * 1000) / this.opts.fps : now;
      this.framesIn++;
      this.lastFrameMs = now;
      this.gotFrame = true;
      if (this.state !== 'streaming') {
        this.attempt = 0;
        this.setState('streaming');
      }
      this.emit('frame', {
        camera: this.opts.id,
        seq,
        tsMs: Math.round(tsMs),
        receivedMs: now,
        frame: { data, width: this.opts.width, height: this.opts.height },
      });
    }
  }

  private onExit(cmd: ffmpeg.FfmpegCommand, err: Error | undefined): void {
    if (cmd !== this.cmd) return; // a killed predecessor
    this.cmd = undefined;
    this.out = undefined;
    if (!this.running) return;
    if (!err && this.isFile && !this.opts.loop) {
      this.opts.log.info({ frames: this.framesIn }, 'file source ended');
      this.running = false;
      clearInterval(this.watchdog);
      this.setState('ended');
      return;
    }
    const error =
      this.state === 'stalled'
        ? new XlError('EDGE_SOURCE_STALLED', `no frame for ${this.opts.stallMs} ms; ffmpeg restarted`, {
            camera: this.opts.id,
          })
        : new XlError(
            'EDGE_SOURCE_FAILED',
            err ? `ffmpeg failed: ${lastLine(this.stderrTail) ?? err.message}` : 'stream ended; reconnecting',
            { camera: this.opts.id },
          );
    this.scheduleRestart(error);
  }

  private scheduleRestart(error: XlError): void {
    const delay = backoffDelayMs(this.attempt++, this.opts.backoff, Math.random());
    this.reconnects++;
    this.opts.log.warn(
      { code: error.code, err: error.message, retryInMs: delay, reconnects: this.reconnects },
      'source down; reconnecting',
    );
    this.setState('reconnecting', { error: { code: error.code, message: error.message }, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.running) this.spawn();
    }, delay);
  }

  private checkStall(): void {
    if (!this.running || this.paused || this.held || !this.cmd) return;
    // Connecting (RTSP setup, probing, the first keyframe) gets at least CONNECT_GRACE_MS.
    const limit = this.gotFrame ? this.opts.stallMs : Math.max(this.opts.stallMs, CONNECT_GRACE_MS);
    if (this.opts.now() - this.lastProgressMs <= limit) return;
    this.opts.log.warn({ stallMs: this.opts.stallMs }, 'source stalled; killing ffmpeg');
    this.setState('stalled', {
      error: { code: 'EDGE_SOURCE_STALLED', message: `no frame for ${this.opts.stallMs} ms` },
    });
    this.cmd.kill('SIGKILL'); // → 'error' → onExit → scheduleRestart
  }

  private async killChild(): Promise<void> {
    const cmd = this.cmd;
    this.cmd = undefined;
    this.out = undefined;
    if (!cmd) return;
    const proc = (
      cmd as unknown as { ffmpegProc?: { exitCode: number | null; once(e: 'exit', f: () => void): void } }
    ).ffmpegProc;
    const exited =
      proc && proc.exitCode === null
        ? new Promise<void>((r) => proc.once('exit', () => r()))
        : Promise.resolve();
    cmd.on('error', () => {});
    cmd.kill('SIGKILL');
    await within(exited, 2000);
  }

  private setState(state: SourceState, extra: Pick<SourceStatus, 'error' | 'retryInMs'> = {}): void {
    const changed = state !== this.state;
    this.state = state;
    if (!changed && !extra.error) return;
    if (changed && (state === 'streaming' || state === 'ended' || state === 'stopped'))
      this.opts.log.info({ state, reconnects: this.reconnects }, `source ${state}`);
    this.emit('status', { ...this.status(), ...extra });
  }
}

function lastLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (l) return l;
  }
  return undefined;
}
