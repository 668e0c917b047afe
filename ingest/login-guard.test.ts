import { describe, expect, it } from 'vitest';
import { LoginGuard } from './login-guard.js';

describe('LoginGuard', () => {
  it('gives each address burst checks, then one per 1/perSecond; successes give theirs back', () => {
    const g = new LoginGuard({ perSecond: 1, burst: 3 });
    for (let i = 0; i < 3; i++) expect(g.take('10.0.0.1', 0)).toBe(true);
    expect(g.take('10.0.0.1', 0)).toBe(false);
    expect(g.take('10.0.0.2', 0)).toBe(true); // another address is not affected
    expect(g.take('10.0.0.1', 999)).toBe(false);
    expect(g.take('10.0.0.1', 1000)).toBe(true);
    g.refund('10.0.0.1'); // that one logged in
    expect(g.take('10.0.0.1', 1000)).toBe(true);
    expect(g.refused).toBe(2);
  });

  it('keeps at most maxKeys addresses (oldest dropped)', () => {
    const g = new LoginGuard({ perSecond: 1, burst: 1, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) g.take(`a${i}`, 0);
    expect(g.size).toBeLessThanOrEqual(100);
    expect(g.take('a999', 0)).toBe(false);
    expect(g.take('a0', 0)).toBe(true); // evicted: a fresh bucket
  });
});
