/**
 * Worker-thread side of {@link WorkerFaceFinder}: the face detector over square tiles
 * answering `findFaces` calls with face boxes (a flat xyxy array and scores).
 * workerData: {@link FaceWorkerOptions}.
 */
import type { RgbFrame } from '../frame.js';
import { openFaceDetector } from '../runtime.js';
import { serveWorker } from '../worker-serve.js';
import { TiledFaceFinder } from './face-finder.js';

export interface FaceWorkerOptions {
  modelsDir: string;
  name?: string;
  threads: number;
  minScore: number;
}

export interface FaceReply {
  xyxy: number[];
  score: number[];
}

void serveWorker<RgbFrame, FaceReply>(async (data) => {
  const o = data as FaceWorkerOptions;
  const finder = new TiledFaceFinder(
    await openFaceDetector({
      modelsDir: o.modelsDir,
      threads: o.threads,
      build: false,
      ...(o.name ? { name: o.name } : {}),
    }),
    o.minScore,
  );
  return async (img) => {
    const d = await finder.findFaces(img);
    return { xyxy: Array.from(d.xyxy), score: Array.from(d.score) };
  };
});
