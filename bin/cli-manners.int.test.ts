/**
 * The CLI's manners, through the real `xueliang` entry and the benchmark scripts: `help CMD`,
 * `--version`/`-v`, unknown options as coded usage errors that name the option and the help to
 * read, and benchmarks that print their options on `--help`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../contracts/testdata.js';

function xl(...args: string[]) {
  return spawnSync(process.execPath, ['bin/xueliang.js', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const VERSION = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

// Each case spawns node with the TypeScript loader: seconds apiece on a loaded box.
describe('xueliang CLI manners', { timeout: 120_000 }, () => {
  it('help CMD shows the command help, as CMD --help does', () => {
    const a = xl('help', 'up');
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/^Usage: xueliang up/);
    expect(a.stdout).toBe(xl('up', '--help').stdout);
    expect(xl('help', 'models', 'build').stdout).toMatch(/^Usage: xueliang models build/);
  });

  it.each([['--version'], ['-v']])('%s prints the version', (flag) => {
    const r = xl(flag);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it.each([
    [['up', '--bogus'], "CLI_USAGE: unknown option '--bogus'", 'xueliang up --help'],
    [['up', '--port'], "CLI_USAGE: option '--port' needs a value", 'xueliang up --help'],
    [['--bogus'], "CLI_USAGE: unknown option '--bogus'", 'xueliang --help'],
  ])('%j is a coded usage error naming the option and the help', (args, message, help) => {
    const r = xl(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(help);
    expect(r.stderr).not.toContain('To specify a positional argument'); // node's parseArgs text
  });

  it.each(['ingest', 'faults', 'queries', 'alerts', 'edge', 'models'])(
    'bench:%s --help lists its options',
    (name) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', `${name}.ts`), '--help'], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Usage: npm run bench:${name} -- [options]`);
      expect(r.stdout).toContain('--json');
      const bad = spawnSync(process.execPath, ['--import', 'tsx', join('bench', `${name}.ts`), '--bogus'], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("CLI_USAGE: unknown option '--bogus'");
    },
  );
});
