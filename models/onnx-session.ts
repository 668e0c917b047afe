/**
 * Adapter over onnxruntime-node: the only module that imports it. One session per model
 * file and thread count per process (docs/architecture.md#edge-agent), graph optimisation on, warnings off
 * (logSeverityLevel 3: the converted graphs make ORT warn about unused initializers).
 *
 * Intra-op threads do not spin while waiting for work (`allow_spinning 0`): on a gateway the
 * spare cycles belong to ffmpeg and the agent. Measured on the 2-core box, NanoDet-g at 320
 * with 2 threads: 55.0 → 43.6 CPU ms per run at the same median latency (25.4 vs 23.0 ms).
 *
 * onnxruntime-node runs inference synchronously on the calling JS thread; the edge agent
 * therefore runs its detector in worker threads (models/worker-detector.ts).
 */
import * as ort from 'onnxruntime-node';
import { XlError } from '../contracts/errors.js';

export interface SessionOptions {
  /** intraOpNumThreads. */
  threads: number;
}

export interface TensorOut {
  data: Float32Array;
  dims: readonly number[];
}

/** A loaded model: named float inputs in, named float outputs out. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(
    inputs: Record<string, { data: Float32Array; dims: readonly number[] }>,
  ): Promise<Record<string, TensorOut>>;
  release(): Promise<void>;
}

class OrtSession implements ModelSession {
  constructor(private readonly s: ort.InferenceSession) {}

  get inputNames(): readonly string[] {
    return this.s.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.s.outputNames;
  }

  async run(
    inputs: Record<string, { data: Float32Array; dims: readonly number[] }>,
  ): Promise<Record<string, TensorOut>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) feeds[k] = new ort.Tensor('float32', v.data, v.dims);
    const res = await this.s.run(feeds);
    const out: Record<string, TensorOut> = {};
    for (const [k, v] of Object.entries(res)) out[k] = { data: v.data as Float32Array, dims: v.dims };
    return out;
  }

  release(): Promise<void> {
    return this.s.release();
  }
}

/** Opens a session. MODEL_LOAD_FAILED when onnxruntime rejects the file. */
export async function openSession(path: string, opts: SessionOptions): Promise<ModelSession> {
  try {
    const s = await ort.InferenceSession.create(path, {
      intraOpNumThreads: opts.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    return new OrtSession(s);
  } catch (e) {
    throw new XlError(
      'MODEL_LOAD_FAILED',
      `onnxruntime cannot load ${path}: ${(e as Error).message}`,
      { path },
      { cause: e },
    );
  }
}

/** Shares one session per (file, threads) in a process; callers never close shared ones. */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<ModelSession>>();

  get(path: string, opts: SessionOptions): Promise<ModelSession> {
    const key = `${path}#${opts.threads}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = openSession(path, opts);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s).release();
  }
}
