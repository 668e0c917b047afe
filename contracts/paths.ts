/**
 * The one paths module: where the project's own files are (SQL, migrations, deploy templates, the
 * built dashboard), found from this file's place in the tree — the same from sources (`tsx`) and
 * from a `dist/` build. Production code takes paths from here; `contracts/testdata.ts` (the test
 * media) is for tests and benchmarks only (bin/house-rules.test.ts checks).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder holding package.json). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..').replace(/[/\\]dist$/, '');

/** A path under the project root. */
export const projectPath = (...parts: string[]): string => join(projectRoot, ...parts);
