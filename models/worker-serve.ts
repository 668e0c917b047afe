/**
 * Worker side of {@link WorkerPool}: `serveWorker(init)` opens what the worker serves from
 * its `workerData`, posts `{ ready }` (or `{ fatal }` with the coded error), then answers
 * `{ id, req }` messages one at a time with `{ id, result }` or `{ id, error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { XlError } from '../contracts/errors.js';

export type WorkerEvent = { ready: true } | { fatal: { code: string; message: string } };
export type WorkerReply<Res> =
  | { id: number; result: Res }
  | { id: number; error: { code: string; message: string } };

function errorOf(e: unknown): { code: string; message: string } {
  return e instanceof XlError
    ? { code: e.code, message: e.message }
    : { code: 'MODEL_RUN_FAILED', message: (e as Error)?.message ?? String(e) };
}

/** Serves requests in this worker thread with the handler `init` returns. */
export async function serveWorker<Req, Res>(
  init: (data: unknown) => Promise<(req: Req) => Promise<Res>>,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveWorker must run in a worker thread');
  let handle: (req: Req) => Promise<Res>;
  try {
    handle = await init(workerData);
  } catch (e) {
    port.postMessage({ fatal: errorOf(e) } satisfies WorkerEvent);
    return;
  }
  // One request at a time: onnxruntime-node's run is synchronous on this thread anyway.
  let queue = Promise.resolve();
  port.on('message', (m: { id: number; req: Req }) => {
    queue = queue.then(async () => {
      try {
        port.postMessage({ id: m.id, result: await handle(m.req) } satisfies WorkerReply<Res>);
      } catch (e) {
        port.postMessage({ id: m.id, error: errorOf(e) } satisfies WorkerReply<Res>);
      }
    });
  });
  port.postMessage({ ready: true } satisfies WorkerEvent);
}
