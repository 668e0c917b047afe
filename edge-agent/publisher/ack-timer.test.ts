import { describe, expect, it } from 'vitest';
import { AckTimer } from './ack-timer.js';

describe('AckTimer', () => {
  it('waits the configured floor until an ack is measured, and while acks are faster than it', () => {
    const t = new AckTimer(10_000);
    expect(t.timeoutMs).toBe(10_000);
    for (let i = 0; i < 20; i++) t.sample(300);
    expect(t.timeoutMs).toBe(10_000);
  });

  it('follows acks slower than the floor: smoothed time plus four times its variation', () => {
    const t = new AckTimer(10_000);
    t.sample(12_000); // first sample: srtt 12 s, variation 6 s
    expect(t.timeoutMs).toBe(36_000);
    for (let i = 0; i < 50; i++) t.sample(12_000); // steady: the variation decays
    expect(t.timeoutMs).toBeGreaterThan(12_000);
    expect(t.timeoutMs).toBeLessThan(13_000);
  });

  it('backs off after a timeout, doubling until the cap, and a fresh ack ends the backoff', () => {
    const t = new AckTimer(10_000, 80_000);
    t.timedOut();
    expect(t.timeoutMs).toBe(20_000);
    t.timedOut();
    expect(t.timeoutMs).toBe(40_000);
    for (let i = 0; i < 5; i++) t.timedOut();
    expect(t.timeoutMs).toBe(80_000);
    t.sample(500);
    expect(t.timeoutMs).toBe(10_000);
  });

  it('a new connection ends the backoff but keeps the measured pace', () => {
    const t = new AckTimer(1_000);
    for (let i = 0; i < 50; i++) t.sample(3_000);
    const paced = t.timeoutMs;
    t.timedOut();
    expect(t.timeoutMs).toBeCloseTo(paced * 2);
    t.reset();
    expect(t.timeoutMs).toBeCloseTo(paced);
  });

  it('ignores samples that are not a duration', () => {
    const t = new AckTimer(1_000);
    t.sample(Number.NaN);
    t.sample(-5);
    t.sample(Number.POSITIVE_INFINITY);
    expect(t.timeoutMs).toBe(1_000);
  });

  it('never waits past the cap, however slow the acks', () => {
    const t = new AckTimer(1_000, 8_000);
    t.sample(60_000);
    expect(t.timeoutMs).toBe(8_000);
  });
});
