/**
 * Where the shared test media lives: `../shared/data` beside the project root (CI and the
 * developers' machines), or `XUELIANG_TEST_DATA`. Tests call `testDataDir()` and skip with
 * a clear reason when it is absent (a user's fresh clone).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder holding package.json). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..').replace(/[/\\]dist$/, '');

export function testDataDir(): string | undefined {
  const fromEnv = process.env.XUELIANG_TEST_DATA;
  const dir = fromEnv ?? join(projectRoot, '..', 'shared', 'data');
  return existsSync(dir) ? dir : undefined;
}

export const NO_TEST_DATA = 'test media not found at ../shared/data (set XUELIANG_TEST_DATA); skipping';
