/**
 * A pool of worker threads serving one kind of request (models/worker-serve.ts is the
 * worker side). onnxruntime-node's `run` is synchronous on the calling thread, so the edge
 * agent runs its models here: on the main thread a 35 ms inference (or a 170 ms plate read)
 * would freeze ffmpeg's pipes, tracking, attributes and MQTT for as long.
 *
 * `size` workers start with the same `workerData`; a call waits for a free worker. A worker
 * that dies fails its call with MODEL_WORKER_FAILED and is replaced on the next call.
 * A worker is never terminated while it starts: ending a thread inside onnxruntime-node's
 * `InferenceSession.create` aborts the whole process ("terminate called after throwing an
 * instance of 'Napi::Error'"; microsoft/onnxruntime#13086), so `close()` waits for it.
 * Request payloads are structured-cloned: typed arrays over a SharedArrayBuffer are shared,
 * not copied.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { XlError } from '../contracts/errors.js';
import { within } from '../contracts/within.js';
import type { WorkerEvent, WorkerReply } from './worker-serve.js';

interface Slot {
  worker: Worker;
  /** Calls sent to this worker and not answered yet. */
  outstanding: number;
  ready: boolean;
}

interface Pending {
  slot: Slot;
  resolve: (r: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * How to start a worker module given relative to this folder without extension
 * (`./detector-worker`): the compiled `.js` beside this file, or (running from the
 * TypeScript sources under tsx or vitest) the `.ts` through tsx's loader, registered inside
 * the worker because loaders registered by API do not reach new threads.
 */
function workerSpec(module: string): { code: string | URL; eval: boolean } {
  const self = import.meta.url;
  if (self.endsWith('.js')) return { code: new URL(`${module}.js`, self), eval: false };
  const target = new URL(`${module}.ts`, self).href;
  const tsxPkg = createRequire(self).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(tsxPkg), 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return { code, eval: true };
}

export interface WorkerPoolOptions {
  /** The worker module, relative to models/ without extension (`./plates/plate-worker`). */
  module: string;
  workerData: unknown;
  /** Workers (default 1). */
  size?: number;
  /** Calls queued in one worker at once (default 1). */
  depth?: number;
  /** Names the pool in errors ("detector", "plate reader"). */
  what: string;
}

/** How long `close()` waits for a starting worker before terminating it anyway. */
const STARTING_GRACE_MS = 30_000;

export class WorkerPool<Req, Res> {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: Array<() => void> = [];
  private nextId = 1;
  private closed = false;
  /** Workers between `new Worker` and their ready (or fatal) message. */
  private readonly starting = new Set<Promise<unknown>>();
  private readonly size: number;
  private readonly depth: number;

  private constructor(private readonly o: WorkerPoolOptions) {
    this.size = Math.max(1, o.size ?? 1);
    this.depth = Math.max(1, o.depth ?? 1);
  }

  /** Starts every worker and waits for each to be ready (its init's coded error otherwise). */
  static async open<Req, Res>(o: WorkerPoolOptions): Promise<WorkerPool<Req, Res>> {
    const p = new WorkerPool<Req, Res>(o);
    try {
      for (let i = 0; i < p.size; i++) p.slots.push(await p.spawn());
    } catch (e) {
      await p.close();
      throw e;
    }
    return p;
  }

  /** Calls served at once (the worker count). */
  get parallelism(): number {
    return this.size;
  }

  /** Calls that can be outstanding before a call waits (workers × depth). */
  get capacity(): number {
    return this.size * this.depth;
  }

  private spawn(): Promise<Slot> {
    const spec = workerSpec(this.o.module);
    const worker = new Worker(spec.code, { eval: spec.eval, workerData: this.o.workerData });
    const slot: Slot = { worker, outstanding: 0, ready: false };
    const started = new Promise<Slot>((resolve, reject) => {
      const onStart = (m: WorkerEvent) => {
        if ('ready' in m) {
          worker.off('message', onStart);
          worker.on('message', (r: WorkerReply<Res>) => this.onReply(r));
          slot.ready = true;
          resolve(slot);
        } else {
          reject(new XlError(m.fatal.code, m.fatal.message));
          void worker.terminate();
        }
      };
      worker.on('message', onStart);
      worker.on('error', (e) => {
        reject(
          new XlError('MODEL_WORKER_FAILED', `${this.o.what} worker failed: ${e.message}`, {}, { cause: e }),
        );
        this.onExit(slot, e.message);
      });
      worker.on('exit', (code) => {
        reject(new XlError('MODEL_WORKER_FAILED', `${this.o.what} worker exited (${code}) while starting`));
        this.onExit(slot, `exit code ${code}`);
      });
    });
    const settled = started.then(
      () => undefined,
      () => undefined,
    );
    this.starting.add(settled);
    void settled.then(() => this.starting.delete(settled));
    return started;
  }

  private onReply(r: WorkerReply<Res>): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    this.release(p.slot);
    if ('error' in r) p.reject(new XlError(r.error.code, r.error.message));
    else p.resolve(r.result);
  }

  /** A worker died: fail its call, drop it; the next call starts a replacement. */
  private onExit(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    for (const [id, p] of this.pending)
      if (p.slot === slot) {
        this.pending.delete(id);
        p.reject(new XlError('MODEL_WORKER_FAILED', `${this.o.what} worker stopped: ${why}`));
      }
    this.waiters.shift()?.();
  }

  private release(slot: Slot): void {
    slot.outstanding--;
    this.waiters.shift()?.();
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new XlError('MODEL_WORKER_FAILED', `${this.o.what} is closed`);
      // The least loaded worker with room: each takes up to `depth` calls, so the next
      // request is already waiting in it when the current one ends (no round trip through
      // this thread's event loop between two inferences).
      let free: Slot | undefined;
      for (const s of this.slots)
        if (s.ready && s.outstanding < this.depth && (!free || s.outstanding < free.outstanding)) free = s;
      if (free) {
        free.outstanding++;
        return free;
      }
      if (this.slots.length < this.size) {
        const slot = await this.spawn();
        if (this.closed)
          void slot.worker.terminate(); // ready now: safe to end
        else this.slots.push(slot);
        continue;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Runs one request on a free worker. */
  async call(req: Req): Promise<Res> {
    const slot = await this.acquire();
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { slot, resolve: resolve as (r: unknown) => void, reject });
      slot.worker.postMessage({ id, req });
    });
  }

  /**
   * Stops every worker; calls in flight fail with MODEL_WORKER_FAILED. A worker still
   * starting (a replacement) is let finish first — up to STARTING_GRACE_MS — see the header.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
    if (this.starting.size > 0) await within(Promise.all(this.starting), STARTING_GRACE_MS);
    const all = this.slots.splice(0);
    await Promise.all(all.map((s) => s.worker.terminate()));
    for (const [, p] of this.pending) p.reject(new XlError('MODEL_WORKER_FAILED', `${this.o.what} closed`));
    this.pending.clear();
  }
}

/**
 * The frame bytes to send to a worker: a view over a SharedArrayBuffer, or one that spans
 * its whole ArrayBuffer, as it is; any other view copied (postMessage would clone its whole
 * ArrayBuffer).
 */
export function frameBytesForWorker(d: Uint8Array): Uint8Array {
  const whole =
    d.buffer instanceof SharedArrayBuffer || (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength);
  return whole ? d : d.slice();
}
