/** Axis ticks: dates once ticks are a day apart, the clock within a day. */
import { describe, expect, it, vi } from 'vitest';

// i18n reads the browser's language on load; Node 20 has no `navigator`.
vi.stubGlobal('navigator', { language: 'en-GB' });
const { countLabel, fmtClock, fmtDay, tickLabel } = await import('./format.js');

describe('tickLabel', () => {
  const now = Date.now();
  it.each([
    ['hourly buckets, ticks 6 h apart', 6 * 3_600_000, 'hour', fmtClock(now).slice(0, 5)],
    ['hourly buckets over 30 days, ticks a day apart', 86_400_000, 'hour', fmtDay(now)],
    ['hourly buckets, ticks a week apart', 7 * 86_400_000, 'hour', fmtDay(now)],
    ['day buckets', 3_600_000, 'day', fmtDay(now)],
  ])('%s', (_name, stepMs, bucket, want) => {
    expect(tickLabel(now, stepMs, bucket)).toBe(want);
  });
});

describe('countLabel', () => {
  it('does not call a page the total', () => {
    expect(countLabel(48, true)).toBe('first 48 results, more below');
    expect(countLabel(12, false)).toBe('12 results');
  });
});

describe('one date format', () => {
  it('writes ISO order, 24-hour, and reads back what the inputs show', async () => {
    const { fmtTime, fromLocalInput, toLocalInput } = await import('./format.js');
    const now = Date.now();
    expect(fmtTime(now)).toMatch(/^\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(toLocalInput(now)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const minute = Math.floor(now / 60_000) * 60_000;
    expect(fromLocalInput(toLocalInput(now))).toBe(minute);
    expect(fromLocalInput(toLocalInput(now).replace(' ', 'T'))).toBe(minute);
    const y = new Date(now).getFullYear();
    for (const bad of [
      '',
      'now',
      `12/05/${y}, 11:44 PM`,
      `${y}-13-01 10:00`,
      `${y}-02-30 10:00`,
      `${y}-01-01 24:10`,
    ])
      expect(fromLocalInput(bad), bad).toBeUndefined();
  });
});
