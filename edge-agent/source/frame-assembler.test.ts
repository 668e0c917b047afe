import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import { FrameAssembler } from './frame-assembler.js';

/** A byte stream whose byte i is i mod 251 (a prime, so frames differ). */
function stream(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

describe('FrameAssembler', () => {
  const frameBytes = 4 * 3 * 3; // a 4x3 rgb24 frame
  const cases: Array<{ name: string; chunks: number[] }> = [
    { name: 'one chunk per frame', chunks: [36, 36, 36] },
    { name: 'chunks smaller than a frame', chunks: [5, 7, 11, 13, 17, 19, 36] },
    { name: 'chunks larger than a frame', chunks: [50, 58] },
    { name: 'one byte at a time', chunks: Array.from({ length: 108 }, () => 1) },
    { name: 'a chunk holding several frames and a tail', chunks: [100, 8] },
  ];
  for (const c of cases) {
    it(`splits exactly: ${c.name}`, () => {
      const total = c.chunks.reduce((a, b) => a + b, 0);
      const all = stream(total);
      const a = new FrameAssembler(frameBytes);
      const frames: Uint8Array[] = [];
      let off = 0;
      for (const n of c.chunks) {
        frames.push(...a.push(all.subarray(off, off + n)));
        off += n;
      }
      expect(frames.length).toBe(Math.floor(total / frameBytes));
      frames.forEach((f, k) => {
        expect(f.length).toBe(frameBytes);
        expect(Array.from(f)).toEqual(Array.from(all.subarray(k * frameBytes, (k + 1) * frameBytes)));
      });
      expect(a.pendingBytes).toBe(total % frameBytes);
    });
  }

  it('hands out fresh buffers that later chunks do not overwrite', () => {
    const a = new FrameAssembler(3);
    const [f1] = a.push(Uint8Array.of(1, 2, 3));
    a.push(Uint8Array.of(9, 9, 9));
    expect(Array.from(f1!)).toEqual([1, 2, 3]);
  });

  it('reset drops a partial frame', () => {
    const a = new FrameAssembler(4);
    a.push(Uint8Array.of(1, 2));
    a.reset();
    expect(a.pendingBytes).toBe(0);
    expect(a.push(Uint8Array.of(5, 6, 7, 8)).map((f) => Array.from(f))).toEqual([[5, 6, 7, 8]]);
  });

  it('rejects a non-positive frame size', () => {
    expect(() => new FrameAssembler(0)).toThrow(RangeError);
  });
});

describe('backoffDelayMs', () => {
  const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  it.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [50, 1000],
    [10_000, 1000],
  ])('attempt %i → %i ms (capped)', (attempt, want) => {
    expect(backoffDelayMs(attempt, o)).toBe(want);
  });

  it('jitter stays within ±jitter/2 of the base and under the cap', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const d = backoffDelayMs(2, DEFAULT_BACKOFF, r);
      const base = DEFAULT_BACKOFF.initialMs * 4;
      expect(d).toBeGreaterThanOrEqual(base * 0.9 - 1);
      expect(d).toBeLessThanOrEqual(base * 1.1 + 1);
    }
    expect(backoffDelayMs(100, DEFAULT_BACKOFF, 0.999)).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxMs);
  });
});
