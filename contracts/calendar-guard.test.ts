/**
 * Guard: no test builds its fixture times from a calendar literal unless it says why that is
 * safe. A hit dated on a fixed day passes while the day is within the retention and then
 * disappears: ClickHouse's background TTL merge drops expired rows within seconds of the
 * insert (measured with chDB: a 40-day-old hit was gone 3 s after it was written), so such a
 * test turns red a month after it was written, through no commit.
 *
 * Flagged in test files and test helpers: `Date.UTC(2025, …)`, `new Date('2025-…')`,
 * `Date.parse('2025-…')`, an ISO date in a string literal, and epoch milliseconds written out
 * (`1764385200000`, `1_764_385_200_000`). Allowed where the line, or one of the two before it,
 * carries a `calendar-safe:` comment saying why (a pure function given the time, garbage input,
 * a parser under test). Fixtures that reach a store or the clock use `Date.now()`-relative times.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './testdata.js';

const CALENDAR = [
  /Date\.UTC\(\s*(19|20)\d{2}/,
  /new Date\(\s*['"`]?(19|20)\d{2}/,
  /Date\.parse\(\s*['"`](19|20)\d{2}/,
  /['"`](19|20)\d{2}-[01]\d-[0-3]\d/,
  /\b1\d{12}\b/,
  /\b1_\d{3}_\d{3}_\d{3}_\d{3}\b/,
];
const TEST_FILE = /(\.test\.ts$|testkit|harness|fixtures|test-support|testdata|\/test\/)/;
const MARK = 'calendar-safe:';

/** Lines that use a calendar literal without a `calendar-safe:` reason nearby. */
function calendarLiterals(text: string): number[] {
  const lines = text.split('\n');
  const bad: number[] = [];
  lines.forEach((line, i) => {
    if (!CALENDAR.some((re) => re.test(line))) return;
    const near = lines.slice(Math.max(0, i - 2), i + 1);
    if (!near.some((l) => l.includes(MARK))) bad.push(i + 1);
  });
  return bad;
}

describe('calendar guard', () => {
  it.each([
    ['const t0 = Date.UTC(2026, 10, 1, 8);', [1]],
    ["makeHit({ tsMs: new Date('2026-11-01T08:00:00Z').getTime() })", [1]],
    ["const from = '2026-11-01';", [1]],
    ['const T = 1_764_385_200_000;', [1]],
    ['const T = 1764385200000;', [1]],
    ['// calendar-safe: pure rule, no store\nconst T = 1_764_385_200_000;', []],
    ["'2026-13-45T99:99:99Z', // calendar-safe: garbage input", []],
    ['const t0 = Date.now() - 3_600_000;', []],
    ['const n = 10_000_000;', []],
  ])('%s', (text, want) => {
    expect(calendarLiterals(text)).toEqual(want);
  });

  it('finds no unexplained calendar literal in any test file or test helper', () => {
    const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: projectRoot, encoding: 'utf8' })
      .split('\n')
      .filter((f) => TEST_FILE.test(f) && !f.endsWith('calendar-guard.test.ts'));
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) =>
      calendarLiterals(readFileSync(join(projectRoot, f), 'utf8')).map((n) => `${f}:${n}`),
    );
    expect(
      found,
      `fixture times from calendar literals (use Date.now()-relative times, or say '${MARK} why')`,
    ).toEqual([]);
  });
});
