import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './testdata.js';

const DIRS = ['contracts', 'models', 'edge-agent', 'ingest', 'analytics', 'api', 'bin'];
const CODE =
  /['"`]((?:CLI|XL|CONFIG|STORE|UP|INGEST|EDGE|MODEL|MODELS|PLATE|API|ALERT|TASK|SEED|BENCH|DEPLOY)_[A-Z0-9_]+)['"`]/g;

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'web') continue;
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (name.endsWith('.ts') && !name.includes('.test.')) yield p;
  }
}

describe('error codes', () => {
  it('every code used in the source is listed in docs/errors.md', () => {
    const doc = readFileSync(join(projectRoot, 'docs', 'errors.md'), 'utf8');
    const listed = new Set([...doc.matchAll(/^\|\s*`?([A-Z][A-Z0-9_]+)`?\s*\|/gm)].map((m) => m[1]));
    const missing: string[] = [];
    for (const d of DIRS) {
      let files: string[] = [];
      try {
        files = [...tsFiles(join(projectRoot, d))];
      } catch {
        continue;
      }
      for (const f of files) {
        for (const m of readFileSync(f, 'utf8').matchAll(CODE)) {
          if (!listed.has(m[1]!)) missing.push(`${m[1]} (${relative(projectRoot, f)})`);
        }
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });
});
