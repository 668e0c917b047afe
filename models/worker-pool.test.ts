import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool.js';

type Req = number | 'throw' | 'exit' | 'thread';
const pools: WorkerPool<Req, number>[] = [];
const open = async (size: number, workerData: unknown = {}, depth = 1) => {
  const p = await WorkerPool.open<Req, number>({
    module: './testdata/echo-worker',
    workerData,
    size,
    depth,
    what: 'echo',
  });
  pools.push(p);
  return p;
};
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

describe('WorkerPool', () => {
  it('answers each call with its own result, more calls than workers queued', async () => {
    const p = await open(2);
    expect(p.parallelism).toBe(2);
    const xs = Array.from({ length: 9 }, (_, i) => i);
    expect(await Promise.all(xs.map((x) => p.call(x)))).toEqual(xs.map((x) => 2 * x));
  });

  it('spreads calls in flight over its workers', async () => {
    const p = await open(2);
    const threads = await Promise.all(Array.from({ length: 4 }, () => p.call('thread')));
    expect(new Set(threads).size).toBe(2);
  });

  it('with depth 2 a worker holds two calls: capacity is workers × depth, results stay per call', async () => {
    const p = await open(2, {}, 2);
    expect(p.capacity).toBe(4);
    const threads = await Promise.all(Array.from({ length: 4 }, () => p.call('thread')));
    expect(new Set(threads).size).toBe(2); // the least loaded worker first: two each
    const xs = Array.from({ length: 10 }, (_, i) => i);
    expect(await Promise.all(xs.map((x) => p.call(x)))).toEqual(xs.map((x) => 2 * x));
  });

  it('a handler error rejects that call with a coded error; the worker goes on', async () => {
    const p = await open(1);
    await expect(p.call('throw')).rejects.toMatchObject({
      code: 'MODEL_RUN_FAILED',
      message: 'asked to throw',
    });
    expect(await p.call(4)).toBe(8);
  });

  it('a worker that dies fails its call (MODEL_WORKER_FAILED) and is replaced on the next', async () => {
    const p = await open(1);
    await expect(p.call('exit')).rejects.toMatchObject({ code: 'MODEL_WORKER_FAILED' });
    expect(await p.call(5)).toBe(10);
  });

  it('close() lets a worker still starting (a replacement) finish before ending it', async () => {
    const p = await open(1, { initMs: 400 });
    await expect(p.call('exit')).rejects.toMatchObject({ code: 'MODEL_WORKER_FAILED' });
    const call = p.call(5); // starts a replacement: 400 ms until it is ready
    const failed = expect(call).rejects.toMatchObject({ code: 'MODEL_WORKER_FAILED' });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await p.close();
    // Ended mid-start, an onnxruntime worker takes the process down (see worker-pool.ts).
    expect(performance.now() - t0).toBeGreaterThan(250);
    await failed;
  });

  it('a refused init fails open with the worker’s coded error', async () => {
    await expect(open(1, { failInit: true })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: 'init refused',
    });
  });

  it('after close, calls fail with MODEL_WORKER_FAILED', async () => {
    const p = await open(1);
    await p.close();
    await expect(p.call(1)).rejects.toMatchObject({ code: 'MODEL_WORKER_FAILED' });
  });
});
