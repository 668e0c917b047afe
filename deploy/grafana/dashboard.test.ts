/**
 * The sample Grafana dashboard (deploy/grafana/xueliang.json) parses, and every metric its
 * queries name is one the code registers (docs/metrics.md), so a rename cannot leave it behind.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../contracts/testdata.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(readFileSync(p, 'utf8'));
  }
  return out;
}

describe('deploy/grafana/xueliang.json', () => {
  it('queries only metrics the code registers', () => {
    const d = JSON.parse(readFileSync(join(projectRoot, 'deploy', 'grafana', 'xueliang.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const code = ['edge-agent', 'ingest', 'analytics', 'api', 'bin']
      .flatMap((d) => sources(join(projectRoot, d)))
      .join('\n');
    const names = new Set(
      d.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/xueliang_[a-z_]+/g) ?? [])),
    );
    expect(names.size).toBeGreaterThan(10);
    for (const n of names) {
      const base = n.replace(/_(bucket|count|sum)$/, '');
      expect(code.includes(`'${base}'`) || code.includes(`'${base}`), n).toBe(true);
    }
  });
});
