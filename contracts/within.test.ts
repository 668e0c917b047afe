import { describe, expect, it } from 'vitest';
import { within } from './within.js';

describe('within', () => {
  it('true when the promise settles in time, rejections included', async () => {
    expect(await within(Promise.resolve(1), 50)).toBe(true);
    expect(await within(Promise.reject(new Error('x')), 50)).toBe(true);
  });

  it('false after ms when it does not settle (and does not keep the process alive)', async () => {
    const t0 = performance.now();
    expect(await within(new Promise(() => {}), 80)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
  });
});
