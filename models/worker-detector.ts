/**
 * A {@link Detector} whose `detect()` runs in worker threads (models/detector-worker.ts,
 * through models/worker-pool.ts): `workers` sessions, `threads` intra-op threads each, serve
 * calls in parallel; a call waits for a free worker, so callers bound their own concurrency
 * (the edge scheduler does). A frame in shared memory (the edge agent's ffmpeg frames,
 * edge-agent/source/frame-assembler.ts) is shared with the worker, any other copied; the
 * caller keeps its frame for attributes and snapshots.
 */
import { Detections } from './detections.js';
import type { DetectOptions, Detector, TimedDetections } from './detector.js';
import type { DetectRequest, DetectResult } from './detector-worker.js';
import type { RgbFrame } from './frame.js';
import type { ModelEntry } from './manifest.js';
import { frameBytesForWorker, WorkerPool } from './worker-pool.js';

export interface WorkerDetectorOptions {
  entry: ModelEntry;
  /** The model file (already sha256-verified by loadModel). */
  path: string;
  /** Worker threads, each with its own session (default 1). */
  workers?: number;
  /** Intra-op threads per session (default 1). */
  threads?: number;
  /** Frames queued in one worker at once (default 1; the edge agent uses 2 — see capacity). */
  depth?: number;
}

export class WorkerDetector implements Detector {
  private constructor(
    readonly entry: ModelEntry,
    private readonly pool: WorkerPool<DetectRequest, DetectResult>,
  ) {}

  /** Starts the workers and waits until every session is open (MODEL_LOAD_FAILED otherwise). */
  static async open(o: WorkerDetectorOptions): Promise<WorkerDetector> {
    const pool = await WorkerPool.open<DetectRequest, DetectResult>({
      module: './detector-worker',
      workerData: { entry: o.entry, path: o.path, threads: o.threads ?? 1 },
      size: o.workers ?? 1,
      depth: o.depth ?? 1,
      what: 'detector',
    });
    return new WorkerDetector(o.entry, pool);
  }

  get name(): string {
    return this.entry.name;
  }

  get labels(): readonly string[] {
    return this.entry.labels;
  }

  /** Parallel calls this detector serves (its worker count). */
  get parallelism(): number {
    return this.pool.parallelism;
  }

  /**
   * Calls to keep in flight to keep every worker busy: workers × depth. With depth 2 the
   * next frame already waits in the worker when an inference ends, instead of a round trip
   * through the caller's event loop.
   */
  get capacity(): number {
    return this.pool.capacity;
  }

  async detect(frame: RgbFrame, opts: DetectOptions = {}): Promise<Detections> {
    return (await this.detectTimed(frame, opts)).detections;
  }

  async detectTimed(frame: RgbFrame, opts: DetectOptions = {}): Promise<TimedDetections> {
    const r = await this.pool.call({
      width: frame.width,
      height: frame.height,
      data: frameBytesForWorker(frame.data),
      opts,
    });
    return {
      detections: new Detections({ xyxy: r.xyxy, score: r.score, classId: r.classId }),
      timings: r.timings,
    };
  }

  /** Stops every worker; calls in flight fail with MODEL_WORKER_FAILED. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
