import { describe, expect, it } from 'vitest';
import { LoginGuard } from './login-guard.js';

describe('LoginGuard', () => {
  it('gives each address burst checks, then one per 1/perSecond; successes give theirs back', () => {
    const g = new LoginGuard({ perSecond: 1, burst: 3 });
    for (let i = 0; i < 3; i++) {
      expect(g.take('10.0.0.1', 0)).toBe('go');
      g.settle('10.0.0.1', false);
    }
    expect(g.take('10.0.0.1', 0)).toBe('refuse');
    expect(g.take('10.0.0.2', 0)).toBe('go'); // another address is not affected
    expect(g.take('10.0.0.1', 999)).toBe('refuse');
    expect(g.take('10.0.0.1', 1000)).toBe('go');
    g.settle('10.0.0.1', true); // that one logged in: its token is back
    expect(g.take('10.0.0.1', 1000)).toBe('go');
    expect(g.refused).toBe(2);
  });

  it('makes logins wait while the address’s tokens are held by checks in flight, not refuses them', async () => {
    const g = new LoginGuard({ perSecond: 0.001, burst: 2 });
    const now = () => 0;
    expect(g.take('nat', 0)).toBe('go');
    expect(g.take('nat', 0)).toBe('go');
    expect(g.take('nat', 0)).toBe('wait');
    // Twenty gateways behind one address: all wait for the two checks in flight, which succeed.
    const waiting = Array.from({ length: 20 }, () => g.acquire('nat', now));
    g.settle('nat', true);
    g.settle('nat', true);
    // Each that got a token succeeds in turn and gives it back.
    const results: boolean[] = [];
    for (const w of waiting) {
      const go = await w;
      results.push(go);
      g.settle('nat', true);
    }
    expect(results.every(Boolean)).toBe(true);
    expect(g.refused).toBe(0);
  });

  it('a flood gets no more checks than its budget: once failures used it up, the rest are refused', async () => {
    const g = new LoginGuard({ perSecond: 0.001, burst: 10 });
    const now = () => 0;
    let checks = 0;
    const attempt = async () => {
      if (!(await g.acquire('1.2.3.4', now))) return 'refused';
      checks++;
      await new Promise((r) => setTimeout(r, 1));
      g.settle('1.2.3.4', false);
      return 'failed';
    };
    const out = await Promise.all(Array.from({ length: 50 }, attempt));
    expect(checks).toBe(10);
    expect(out.filter((x) => x === 'refused')).toHaveLength(40);
  });

  it('refuses past maxWaiting logins waiting on one address', () => {
    const g = new LoginGuard({ perSecond: 0.001, burst: 1, maxWaiting: 2 });
    expect(g.take('a', 0)).toBe('go');
    expect(g.take('a', 0)).toBe('wait');
    void g.whenSettled('a');
    void g.whenSettled('a');
    expect(g.take('a', 0)).toBe('refuse');
  });

  it('keeps at most maxKeys addresses (oldest dropped)', () => {
    const g = new LoginGuard({ perSecond: 1, burst: 1, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) g.charge(`a${i}`, 0);
    expect(g.size).toBeLessThanOrEqual(100);
    expect(g.take('a999', 0)).toBe('refuse');
    expect(g.take('a0', 0)).toBe('go'); // evicted: a fresh bucket
  });
});
