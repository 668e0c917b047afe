/**
 * Worker-thread side of {@link WorkerDetector}: one onnxruntime session running whole
 * `detect()` calls (preprocess, inference, decode, NMS). workerData: `{ entry, path, threads }`.
 */
import { type DetectOptions, type DetectTimings, OnnxDetector } from './detector.js';
import type { ModelEntry } from './manifest.js';
import { openSession } from './onnx-session.js';
import { serveWorker } from './worker-serve.js';

export interface DetectRequest {
  width: number;
  height: number;
  data: Uint8Array;
  opts: DetectOptions;
}

export interface DetectResult {
  xyxy: Float32Array;
  score: Float32Array;
  classId: Int32Array;
  timings: DetectTimings;
}

void serveWorker<DetectRequest, DetectResult>(async (data) => {
  const { entry, path, threads } = data as { entry: ModelEntry; path: string; threads: number };
  const det = new OnnxDetector(entry, await openSession(path, { threads }));
  return async (m) => {
    const { detections: d, timings } = await det.detectTimed(
      { width: m.width, height: m.height, data: m.data },
      m.opts,
    );
    return { xyxy: d.xyxy, score: d.score, classId: d.classId, timings };
  };
});
