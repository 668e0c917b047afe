/**
 * `xueliang migrate` (its own process): `--cluster NAME --print` is the committed cluster schema
 * (deploy/clickhouse-cluster/schema.sql); without a cluster it applies the migrations once.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../contracts/testdata.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const xueliang = (...args: string[]) =>
  spawnSync(process.execPath, [join(projectRoot, 'bin', 'xueliang.js'), ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
  });

describe('xueliang migrate', () => {
  it('prints the cluster DDL the repository ships', () => {
    const r = xueliang('migrate', '--config', 'deploy/city.yaml', '--cluster', 'xueliang', '--print');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      readFileSync(join(projectRoot, 'deploy', 'clickhouse-cluster', 'schema.sql'), 'utf8'),
    );
    const bad = xueliang('migrate', '--config', 'deploy/city.yaml', '--print');
    expect(bad.status).toBe(2); // no cluster named
  }, 60_000);

  it('applies the migrations to one store, then finds it up to date', () => {
    const url = `chdb://${join(dir, 'ch')}`;
    const first = xueliang('migrate', '--config', 'deploy/city.yaml', '--clickhouse', url);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied 001_hits\.sql, /);
    const again = xueliang('migrate', '--config', 'deploy/city.yaml', '--clickhouse', url);
    expect(again.stdout).toBe('up to date\n');
  }, 60_000);
});
