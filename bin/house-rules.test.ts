import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  badCitations,
  cycles,
  functionSizes,
  importGraph,
  importsOf,
  isTestFile,
  ROOT,
  sourceFiles,
  testOnlyImports,
  upwardImports,
} from './house-rules.js';

/** The longest a function may be, in lines (tests excepted: their describe blocks are lists of cases). */
const MAX_FUNCTION_LINES = 119;

describe('house rules (docs/architecture.md#layers)', () => {
  const graph = importGraph();

  it('reads the imports of the repository', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(importsOf('bin/house-rules.test.ts')).toContain('bin/house-rules.ts');
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import that climbs a layer or crosses to a sibling tier', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('keeps the test media module (contracts/testdata.ts) out of production code', () => {
    expect(testOnlyImports(graph)).toEqual([]);
    expect(testOnlyImports(new Map([['analytics/a.ts', ['contracts/testdata.ts']]]))).toHaveLength(1);
  });

  it('cites documents in the repository, and sections of docs/architecture.md that exist', () => {
    const docs = readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`);
    const sql = ['analytics/migrations', 'analytics/sql', 'analytics/tasks/sql'].flatMap((d) =>
      readdirSync(join(ROOT, d))
        .filter((f) => f.endsWith('.sql'))
        .map((f) => `${d}/${f}`),
    );
    const files = [...sourceFiles(), ...docs, ...sql, 'README.md'];
    expect(files.length).toBeGreaterThan(300);
    expect(badCitations(files)).toEqual([]);
  });

  it(`has no function longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const sizes = functionSizes(sourceFiles().filter((f) => !isTestFile(f)));
    expect(sizes.length).toBeGreaterThan(1000);
    expect(sizes.filter((f) => f.lines > MAX_FUNCTION_LINES)).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one', () => {
    const g = new Map([
      ['api/a.ts', ['api/b.ts']],
      ['api/b.ts', ['api/a.ts', 'contracts/x.ts']],
      ['contracts/x.ts', ['models/y.ts']],
      ['edge-agent/p.ts', ['ingest/q.ts']],
      ['ingest/q.ts', ['analytics/r.ts']],
      ['analytics/r.ts', []],
      ['edge-agent/p.test.ts', ['ingest/q.ts']],
      ['models/y.ts', []],
    ]);
    expect(cycles(g)).toEqual([['api/a.ts', 'api/b.ts']]);
    expect(upwardImports(g)).toEqual([
      { from: 'contracts/x.ts', to: 'models/y.ts' },
      { from: 'edge-agent/p.ts', to: 'ingest/q.ts' },
    ]);
  });
});
