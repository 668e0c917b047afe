/**
 * A {@link Detector} whose `detect()` runs in worker threads (models/detector-worker.ts).
 *
 * onnxruntime-node's `run` is synchronous on the calling thread: on the edge agent's main
 * thread a 35 ms inference blocks ffmpeg's pipes, tracking, attributes, JPEG hand-off and
 * MQTT for 35 ms per frame. In workers, inference overlaps all of that. `workers` sessions
 * (each with `threads` intra-op threads) serve calls in parallel; a call waits for a free
 * worker, so callers bound their own concurrency (the scheduler does).
 *
 * A worker that dies fails its call with MODEL_WORKER_FAILED and is replaced on the next
 * call. A frame in shared memory (the edge agent's, edge-agent/source/frame-assembler.ts)
 * is shared with the worker; any other is copied (a 640×480 frame is 0.9 MB). The caller
 * keeps its frame for attributes and snapshots. Results come back as small typed arrays.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { XlError } from '../contracts/errors.js';
import { Detections } from './detections.js';
import type { DetectOptions, Detector, DetectTimings } from './detector.js';
import type { DetectReply, DetectRequest, WorkerEvent } from './detector-worker.js';
import type { RgbFrame } from './frame.js';
import type { ModelEntry } from './manifest.js';

export interface WorkerDetectorOptions {
  entry: ModelEntry;
  /** The model file (already sha256-verified by loadModel). */
  path: string;
  /** Worker threads, each with its own session (default 1). */
  workers?: number;
  /** Intra-op threads per session (default 1). */
  threads?: number;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Pending {
  slot: Slot;
  resolve: (d: Detections) => void;
  reject: (e: unknown) => void;
}

/**
 * How to start the worker module: the compiled `.js` beside this file, or (running from the
 * TypeScript sources under tsx or vitest) the `.ts` through tsx's loader, registered inside
 * the worker because loaders registered by API do not reach new threads.
 */
function workerSpec(): { code: string | URL; eval: boolean } {
  const self = import.meta.url;
  if (self.endsWith('.js')) return { code: new URL('./detector-worker.js', self), eval: false };
  const target = new URL('./detector-worker.ts', self).href;
  const tsxPkg = createRequire(self).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(tsxPkg), 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return { code, eval: true };
}

export class WorkerDetector implements Detector {
  lastTimings: DetectTimings = { preprocessMs: 0, runMs: 0, decodeMs: 0 };
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: Array<() => void> = [];
  private nextId = 1;
  private closed = false;

  private constructor(private readonly o: Required<WorkerDetectorOptions>) {}

  /** Starts the workers and waits until every session is open (MODEL_LOAD_FAILED otherwise). */
  static async open(o: WorkerDetectorOptions): Promise<WorkerDetector> {
    const d = new WorkerDetector({ workers: 1, threads: 1, ...o });
    try {
      for (let i = 0; i < Math.max(1, d.o.workers); i++) d.slots.push(await d.spawn());
    } catch (e) {
      await d.close();
      throw e;
    }
    return d;
  }

  get name(): string {
    return this.o.entry.name;
  }

  get labels(): readonly string[] {
    return this.o.entry.labels;
  }

  get entry(): ModelEntry {
    return this.o.entry;
  }

  /** Parallel calls this detector serves (its worker count). */
  get parallelism(): number {
    return this.slots.length;
  }

  private spawn(): Promise<Slot> {
    const spec = workerSpec();
    const worker = new Worker(spec.code, {
      eval: spec.eval,
      workerData: { entry: this.o.entry, path: this.o.path, threads: this.o.threads },
    });
    const slot: Slot = { worker, busy: true };
    return new Promise<Slot>((resolve, reject) => {
      const onStart = (m: WorkerEvent) => {
        if ('ready' in m) {
          worker.off('message', onStart);
          worker.on('message', (r: DetectReply) => this.onReply(r));
          slot.busy = false;
          resolve(slot);
        } else {
          reject(new XlError(m.fatal.code, m.fatal.message, { path: this.o.path }));
          void worker.terminate();
        }
      };
      worker.on('message', onStart);
      worker.on('error', (e) => {
        reject(new XlError('MODEL_WORKER_FAILED', `detector worker failed: ${e.message}`, {}, { cause: e }));
        this.onExit(slot, e.message);
      });
      worker.on('exit', (code) => {
        reject(new XlError('MODEL_WORKER_FAILED', `detector worker exited (${code}) while starting`));
        this.onExit(slot, `exit code ${code}`);
      });
    });
  }

  private onReply(r: DetectReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    this.release(p.slot);
    if ('error' in r) {
      p.reject(new XlError(r.error.code, r.error.message));
      return;
    }
    // Set before resolving: the awaiting caller reads it in the same microtask run.
    this.lastTimings = r.timings;
    p.resolve(new Detections({ xyxy: r.xyxy, score: r.score, classId: r.classId }));
  }

  /** A worker died: fail its call, drop it; the next call starts a replacement. */
  private onExit(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    for (const [id, p] of this.pending)
      if (p.slot === slot) {
        this.pending.delete(id);
        p.reject(new XlError('MODEL_WORKER_FAILED', `detector worker stopped: ${why}`));
      }
    this.waiters.shift()?.();
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiters.shift()?.();
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new XlError('MODEL_WORKER_FAILED', 'detector is closed');
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      if (this.slots.length < Math.max(1, this.o.workers)) {
        const s = await this.spawn();
        this.slots.push(s);
        continue;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async detect(frame: RgbFrame, opts: DetectOptions = {}): Promise<Detections> {
    const slot = await this.acquire();
    const id = this.nextId++;
    return new Promise<Detections>((resolve, reject) => {
      this.pending.set(id, { slot, resolve, reject });
      // postMessage shares a SharedArrayBuffer and clones a view's whole ArrayBuffer: send
      // exactly the frame's bytes.
      const d = frame.data;
      const whole = d.buffer instanceof SharedArrayBuffer || (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength);
      const data = whole ? d : d.slice();
      const req: DetectRequest = { id, width: frame.width, height: frame.height, data, opts };
      slot.worker.postMessage(req);
    });
  }

  /** Stops every worker; calls in flight fail with MODEL_WORKER_FAILED. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.slots.splice(0);
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(all.map((s) => s.worker.terminate()));
    for (const [, p] of this.pending) p.reject(new XlError('MODEL_WORKER_FAILED', 'detector closed'));
    this.pending.clear();
  }
}
