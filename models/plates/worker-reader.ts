/**
 * The plate reader in a worker thread (models/plates/plate-worker.ts, through
 * models/worker-pool.ts). A plate read runs PP-OCRv4 detection and recognition (75–170 ms per
 * vehicle crop on the 2-core box, bench:models): on the edge agent's main thread that would
 * stall every camera's frames for as long. Same calls and results as {@link PlateReader}.
 */
import type { RgbFrame } from '../frame.js';
import { frameBytesForWorker, WorkerPool } from '../worker-pool.js';
import type { PlateRequest } from './plate-worker.js';
import type { PlateRead, PlateReaderOptions } from './reader.js';

export class WorkerPlateReader {
  private constructor(private readonly pool: WorkerPool<PlateRequest, PlateRead[]>) {}

  /** Opens the reader's models in one worker (their coded errors, e.g. MODEL_FILE_MISSING). */
  static async open(opts: Omit<PlateReaderOptions, 'sessions'>): Promise<WorkerPlateReader> {
    return new WorkerPlateReader(
      await WorkerPool.open<PlateRequest, PlateRead[]>({
        module: './plates/plate-worker',
        workerData: opts,
        size: 1,
        what: 'plate reader',
      }),
    );
  }

  /** Reads plates in the frame, or only inside the given vehicle boxes (frame pixels). */
  readPlates(
    frame: RgbFrame,
    boxes?: ReadonlyArray<readonly [number, number, number, number]>,
  ): Promise<PlateRead[]> {
    return this.pool.call({
      frame: { width: frame.width, height: frame.height, data: frameBytesForWorker(frame.data) },
      boxes,
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
