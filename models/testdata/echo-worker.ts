/**
 * Test worker for models/worker-pool.test.ts: doubles numbers, answers 'thread' with its thread
 * id, throws on 'throw', exits its thread on 'exit', fails to start when workerData.failInit
 * is set and takes workerData.initMs to start. Not built into dist/.
 */
import { threadId } from 'node:worker_threads';
import { XlError } from '../../contracts/errors.js';
import { serveWorker } from '../worker-serve.js';

void serveWorker<number | 'throw' | 'exit' | 'thread', number>(async (data) => {
  const o = data as { failInit?: boolean; initMs?: number };
  if (o.initMs) await new Promise((r) => setTimeout(r, o.initMs));
  if (o.failInit) throw new XlError('MODEL_LOAD_FAILED', 'init refused');
  return async (req) => {
    if (req === 'throw') throw new Error('asked to throw');
    if (req === 'exit') process.exit(3); // in a worker thread: ends this thread only
    if (req === 'thread') {
      await new Promise((r) => setTimeout(r, 50));
      return threadId;
    }
    await new Promise((r) => setTimeout(r, 20));
    return req * 2;
  };
});
