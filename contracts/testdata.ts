/**
 * Where the shared test media lives: `../shared/data` beside the project root (CI and the
 * developers' machines), or `XUELIANG_TEST_DATA`. Tests call `testDataDir()` and skip with
 * a clear reason when it is absent (a user's fresh clone). Test-only (and benchmarks): production
 * code takes its paths from contracts/paths.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

export { projectRoot };

export function testDataDir(): string | undefined {
  const fromEnv = process.env.XUELIANG_TEST_DATA;
  const dir = fromEnv ?? join(projectRoot, '..', 'shared', 'data');
  return existsSync(dir) ? dir : undefined;
}

export const NO_TEST_DATA = 'test media not found at ../shared/data (set XUELIANG_TEST_DATA); skipping';
