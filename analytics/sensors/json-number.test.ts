import { describe, expect, it } from 'vitest';
import { jsonNumber } from './json-number.js';

describe('jsonNumber', () => {
  it('prints every number as JSON.stringify does', () => {
    const now = Date.now();
    const xs = [
      0,
      -0,
      1,
      -1,
      0.1,
      128.4,
      -3.25e-7,
      1e21,
      1_048_575,
      1_048_576,
      1_999_999,
      2_000_000,
      now,
      now + 0.5,
      -now,
      999_999_999_999_999,
      1e15,
      Number.MAX_SAFE_INTEGER,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    for (let i = 0; i < 20_000; i++) {
      xs.push(Math.floor(Math.random() * 1e15));
      xs.push(now - Math.floor(Math.random() * 1e10));
      xs.push(Math.round(Math.random() * 1e6) / 10);
      xs.push(Math.floor(Math.random() * 1e6) * 1e6 + (i % 7) * 100_000);
    }
    for (const x of xs) expect(jsonNumber(x)).toBe(JSON.stringify(x));
  });
});
