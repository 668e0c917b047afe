import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst, then the sustained rate', () => {
    const r = new RateLimiter({ perSecond: 2, burst: 3 });
    expect([1, 2, 3, 4].map(() => r.take('k', 0))).toEqual([true, true, true, false]);
    expect(r.take('k', 400)).toBe(false); // 0.8 token
    expect(r.take('k', 500)).toBe(true); // 1 token
    expect(r.take('other', 500)).toBe(true);
  });

  it('evicts idle buckets first, then the least recently used, at maxKeys', () => {
    const r = new RateLimiter({ perSecond: 1, burst: 2, maxKeys: 3 });
    r.take('a', 0);
    r.take('b', 0);
    r.take('c', 1500);
    r.take('d', 2500); // a and b idle ≥ 2 s: dropped
    expect(r.size).toBe(2);
    r.take('e', 2600);
    r.take('f', 2700); // full of busy keys: least recently used (c) goes
    expect(r.size).toBe(3);
    // c comes back with a fresh bucket; an evicted key cannot be worse off than a new one.
    expect([1, 2, 3].map(() => r.take('c', 2800))).toEqual([true, true, false]);
  });
});
