/**
 * The npm package (`npm pack`, docs/deploy.md#gateway): the compiled CLI (dist/, built by the
 * prepack script), the SQL it reads at run time, the dashboard, deploy/ and docs/, and none of
 * the tests, benchmarks or sources' test data.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../contracts/testdata.js';

describe('npm pack', () => {
  it('ships what `xueliang edge` and the central tier read at run time, and no tests', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
    const files = pack!.files.map((f) => f.path);
    for (const f of [
      'bin/xueliang.js',
      'package.json',
      'analytics/migrations/001_hits.sql',
      'analytics/sql/hits_search.sql',
      'analytics/tasks/sql/task_get.sql',
      'deploy/Dockerfile',
      'deploy/systemd/xueliang-edge.service',
      'deploy/compose/docker-compose.yml',
      'docs/deploy.md',
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => /\.test\.|(^|\/)bench\/|node_modules|\.ts$/.test(f))).toEqual([]);
  }, 30_000);
});
