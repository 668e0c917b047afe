/**
 * Worker-thread side of {@link WorkerDetector}: owns one onnxruntime session and runs whole
 * `detect()` calls (preprocess, inference, decode, NMS) off the caller's event loop.
 * Messages: `{ id, width, height, data, opts }` in; `{ id, xyxy, score, classId, timings }`
 * or `{ id, error }` out. Started with `workerData: { entry, path, threads }`; posts
 * `{ ready: true }` once the session is open, or `{ fatal }` when it cannot open.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { XlError } from '../contracts/errors.js';
import { type DetectOptions, OnnxDetector } from './detector.js';
import type { ModelEntry } from './manifest.js';
import { openSession } from './onnx-session.js';

export interface DetectRequest {
  id: number;
  width: number;
  height: number;
  data: Uint8Array;
  opts: DetectOptions;
}

export type DetectReply =
  | {
      id: number;
      xyxy: Float32Array;
      score: Float32Array;
      classId: Int32Array;
      timings: OnnxDetector['lastTimings'];
    }
  | { id: number; error: { code: string; message: string } };

export type WorkerEvent = { ready: true } | { fatal: { code: string; message: string } };

function errorOf(e: unknown): { code: string; message: string } {
  return e instanceof XlError
    ? { code: e.code, message: e.message }
    : { code: 'MODEL_RUN_FAILED', message: (e as Error)?.message ?? String(e) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('detector-worker must run in a worker thread');
  const { entry, path, threads } = workerData as { entry: ModelEntry; path: string; threads: number };
  let det: OnnxDetector;
  try {
    det = new OnnxDetector(entry, await openSession(path, { threads }));
  } catch (e) {
    port.postMessage({ fatal: errorOf(e) } satisfies WorkerEvent);
    return;
  }
  // One call at a time: onnxruntime-node's run is synchronous on this thread anyway.
  let queue = Promise.resolve();
  port.on('message', (m: DetectRequest) => {
    queue = queue.then(async () => {
      try {
        const d = await det.detect({ width: m.width, height: m.height, data: m.data }, m.opts);
        const reply: DetectReply = {
          id: m.id,
          xyxy: d.xyxy,
          score: d.score,
          classId: d.classId,
          timings: det.lastTimings,
        };
        port.postMessage(reply);
      } catch (e) {
        port.postMessage({ id: m.id, error: errorOf(e) } satisfies DetectReply);
      }
    });
  });
  port.postMessage({ ready: true } satisfies WorkerEvent);
}

void main();
