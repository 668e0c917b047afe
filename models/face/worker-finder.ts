/**
 * The face finder in a worker thread (models/face/face-worker.ts through
 * models/worker-pool.ts): onnxruntime-node runs a session on the calling thread, and a
 * snapshot's tiles take tens of ms (eval:faces), too long for the edge agent's main thread.
 */
import { Detections } from '../detections.js';
import type { RgbFrame } from '../frame.js';
import { frameBytesForWorker, WorkerPool } from '../worker-pool.js';
import type { FaceFinder } from './face-finder.js';
import type { FaceReply, FaceWorkerOptions } from './face-worker.js';

export class WorkerFaceFinder implements FaceFinder {
  private constructor(private readonly pool: WorkerPool<RgbFrame, FaceReply>) {}

  /** Opens the face model in one worker (its coded errors, e.g. MODEL_UNKNOWN). */
  static async open(opts: FaceWorkerOptions): Promise<WorkerFaceFinder> {
    return new WorkerFaceFinder(
      await WorkerPool.open<RgbFrame, FaceReply>({
        module: './face/face-worker',
        workerData: opts,
        size: 1,
        what: 'face detector',
      }),
    );
  }

  async findFaces(img: RgbFrame): Promise<Detections> {
    const r = await this.pool.call({
      width: img.width,
      height: img.height,
      data: frameBytesForWorker(img.data),
    });
    return new Detections({
      xyxy: Float32Array.from(r.xyxy),
      score: Float32Array.from(r.score),
      classId: new Int32Array(r.score.length),
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
