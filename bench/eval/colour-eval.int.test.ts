/**
 * The colour figures of the accuracy harness (docs/accuracy.md), run as `npm run eval` runs
 * them, against the targets where they are met: a change to the naming or the
 * sampling that loses them fails here. Vehicles (target 85 % exact not met) are held to
 * their measured agreement within the labelled alternatives (84.7 % exact, 96.5 % within).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_TEST_DATA, projectRoot, testDataDir } from '../../contracts/testdata.js';

const data = testDataDir();
if (!data) console.warn(`bench/eval/colour-eval: ${NO_TEST_DATA}`);

interface Part {
  n: number;
  exactPct: number;
  withinPct: number;
  withinTop2Pct: number;
}

describe.skipIf(!data)('colour accuracy on the labels', () => {
  it('upper and lower clothing ≥ 85 % exact, vehicles ≥ 84 % exact and ≥ 95 % within the labelled colours', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'bench/eval.ts'), '--only', 'colour', '--json'],
      { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 },
    );
    const lines = out.trim().split('\n');
    const colour = JSON.parse(lines[lines.length - 1]!).colour as Record<'upper' | 'lower' | 'vehicle', Part>;
    expect(colour.upper.n).toBeGreaterThanOrEqual(100);
    expect(colour.lower.n).toBeGreaterThanOrEqual(100);
    expect(colour.vehicle.n).toBeGreaterThanOrEqual(85);
    expect(colour.upper.exactPct).toBeGreaterThanOrEqual(85);
    expect(colour.lower.exactPct).toBeGreaterThanOrEqual(85);
    expect(colour.vehicle.exactPct).toBeGreaterThanOrEqual(84);
    expect(colour.vehicle.withinPct).toBeGreaterThanOrEqual(95);
    // The second candidate only ever adds agreement.
    for (const p of Object.values(colour)) expect(p.withinTop2Pct).toBeGreaterThanOrEqual(p.withinPct);
  }, 150_000);
});
