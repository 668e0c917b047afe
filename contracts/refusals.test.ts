/**
 * Refusals (contracts/refusals.ts): a flood of refusals is one line, then one summary a window;
 * late answers are bounded.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from './log.js';
import { RefusalLog, Tarpit } from './refusals.js';

afterEach(() => vi.useRealTimers());

describe('RefusalLog', () => {
  it('logs the first refusal, then counts the rest by reason into one summary a window', () => {
    vi.useFakeTimers();
    const lines: Array<Record<string, unknown>> = [];
    const log = silentLogger();
    log.warn = ((o: Record<string, unknown>) => lines.push(o)) as typeof log.warn;
    const r = new RefusalLog(log, 'MQTT endpoint', 10_000);
    for (let i = 0; i < 50; i++) r.note('bad_login', { address: '10.0.0.9' }, 'refused');
    r.note('client_id', { address: '10.0.0.8' }, 'refused');
    expect(lines).toEqual([{ address: '10.0.0.9', reason: 'bad_login' }]);
    vi.advanceTimersByTime(10_000);
    expect(lines[1]).toEqual({ refused: { bad_login: 49, client_id: 1 }, windowMs: 10_000 });
    vi.advanceTimersByTime(10_000); // a quiet window: nothing more
    expect(lines).toHaveLength(2);
    r.note('bad_login', { address: '10.0.0.7' }, 'refused'); // after a quiet window: logged again
    expect(lines[2]).toEqual({ address: '10.0.0.7', reason: 'bad_login' });
    r.close();
  });
});

describe('Tarpit', () => {
  it('answers late, but at once past maxHeld', async () => {
    vi.useFakeTimers();
    const t = new Tarpit({ delayMs: 1_000, maxHeld: 2 });
    let done = 0;
    for (let i = 0; i < 3; i++) void t.delay().then(() => done++);
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(1); // the third was answered at once
    expect(t.holding).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(3);
    expect(t.counts).toEqual({ delayed: 2, immediate: 1 });
  });
});
