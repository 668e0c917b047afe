import { describe, expect, it } from 'vitest';
import { FrameSlot, nextRoundRobin, Scheduler } from './scheduler.js';

describe('FrameSlot', () => {
  it('keeps only the newest frame and counts the dropped ones', () => {
    const s = new FrameSlot<number>();
    expect(s.offer(1)).toBeUndefined();
    expect(s.offer(2)).toBe(1);
    expect(s.offer(3)).toBe(2);
    expect(s.take()).toBe(3);
    expect(s.take()).toBeUndefined();
    expect({ put: s.put, dropped: s.dropped, taken: s.taken }).toEqual({ put: 3, dropped: 2, taken: 1 });
  });

  it('lossless keeps every frame in order', () => {
    const s = new FrameSlot<number>(true);
    for (const v of [1, 2, 3]) s.offer(v);
    expect([s.take(), s.take(), s.take(), s.take()]).toEqual([1, 2, 3, undefined]);
    expect(s.dropped).toBe(0);
  });
});

describe('nextRoundRobin', () => {
  it.each([
    { ready: [true, true, true], last: -1, want: 0 },
    { ready: [true, true, true], last: 0, want: 1 },
    { ready: [true, true, true], last: 2, want: 0 },
    { ready: [true, false, true], last: 0, want: 2 },
    { ready: [true, false, false], last: 0, want: 0 },
    { ready: [false, false, false], last: 1, want: -1 },
    { ready: [], last: -1, want: -1 },
  ])('ready=$ready after $last → $want', ({ ready, last, want }) => {
    expect(nextRoundRobin(ready, last)).toBe(want);
  });
});

describe('Scheduler', () => {
  it('serves cameras round-robin and drops stale frames of a slow consumer', async () => {
    const served: string[] = [];
    let release: (() => void) | undefined;
    const s = new Scheduler<string>({
      run: async (cam, item) => {
        served.push(`${cam}:${item}`);
        await new Promise<void>((r) => {
          release = r;
        });
      },
    });
    let drops = 0;
    s.addCamera('a', { onDrop: () => drops++ });
    s.addCamera('b');
    s.start();
    s.offer('a', 'a1');
    await new Promise((r) => setImmediate(r));
    // While a1 is in the detector, a and b each get frames; a's older one is dropped.
    s.offer('a', 'a2');
    s.offer('a', 'a3');
    s.offer('b', 'b1');
    release!();
    await new Promise((r) => setImmediate(r));
    release!();
    await new Promise((r) => setImmediate(r));
    release!();
    await new Promise((r) => setImmediate(r));
    expect(served).toEqual(['a:a1', 'b:b1', 'a:a3']);
    expect(drops).toBe(1);
    expect(s.slot('a')!.dropped).toBe(1);
    const stopping = s.stop();
    release?.();
    await stopping;
  });

  it('pauses a lossless producer while a frame waits and resumes it when taken', async () => {
    const events: string[] = [];
    const s = new Scheduler<number>({
      run: async (_cam, item) => {
        events.push(`run ${item}`);
      },
    });
    s.addCamera('f', {
      lossless: true,
      pause: () => events.push('pause'),
      resume: () => events.push('resume'),
    });
    s.offer('f', 1);
    s.offer('f', 2);
    s.start();
    await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    expect(events).toEqual(['pause', 'pause', 'run 1', 'resume', 'run 2']);
    expect(s.slot('f')!.dropped).toBe(0);
  });

  it('keeps going after a failing run', async () => {
    const errors: string[] = [];
    const done: number[] = [];
    const s = new Scheduler<number>({
      run: async (_c, item) => {
        if (item === 1) throw new Error('boom');
        done.push(item);
      },
      onError: (cam, e) => errors.push(`${cam}: ${(e as Error).message}`),
    });
    s.addCamera('x', { lossless: true });
    s.start();
    s.offer('x', 1);
    s.offer('x', 2);
    await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    expect(errors).toEqual(['x: boom']);
    expect(done).toEqual([2]);
  });

  it('with concurrency 2 runs two cameras at once, but never two frames of one camera', async () => {
    const active = new Set<string>();
    let maxActive = 0;
    const log: string[] = [];
    const s = new Scheduler<number>({
      concurrency: 2,
      run: async (cam, item) => {
        expect(active.has(cam)).toBe(false);
        active.add(cam);
        maxActive = Math.max(maxActive, active.size);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`${cam}${item}`);
        active.delete(cam);
      },
    });
    for (const c of ['a', 'b', 'c']) s.addCamera(c, { lossless: true });
    for (let k = 0; k < 3; k++) for (const c of ['a', 'b', 'c']) s.offer(c, k);
    s.start();
    await new Promise((r) => setTimeout(r, 100));
    await s.stop();
    expect(maxActive).toBe(2);
    expect(log).toHaveLength(9);
    for (const c of ['a', 'b', 'c'])
      expect(log.filter((x) => x.startsWith(c))).toEqual([`${c}0`, `${c}1`, `${c}2`]);
  });
});
