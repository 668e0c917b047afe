/**
 * How long `xueliang ingest --role worker|receiver` takes from spawn to "is up", and the CPU it
 * used to get there (user + system, all its threads, from /proc/PID/stat): the restart part of
 * bench:faults' recovery (docs/ingest.md#fault-runs--npm-run-benchfaults). CPU time is the figure
 * to compare on a shared box: wall time follows the load. `--trees` compares checkouts (each must
 * have node_modules), alternating them in every round. `--forms source,compiled` compares the
 * TypeScript sources through tsx (`node --import tsx`) with the compiled CLI a deployment runs
 * (plain `node bin/xueliang.js` over dist/, made by `npm run build`; each tree must have it).
 *
 *   npx tsx bench/ingest-start.ts [--trees /work/main,/work/wt-x --forms source,compiled --rounds 3 --json]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { migrate } from '../analytics/migrate.js';
import { openStore } from '../analytics/store.js';
import { projectRoot } from '../contracts/paths.js';
import { testCityRaw } from '../ingest/testkit.js';
import { benchArgs } from './args.js';
import { freePort, redisProc } from './ingest-kit.js';

const values = benchArgs('ingest-start', 'Start-up time and CPU of an ingest worker and receiver', {
  trees: { type: 'string', default: projectRoot, description: 'Comma-separated checkouts to start from' },
  forms: {
    type: 'string',
    default: 'source',
    description: 'Comma-separated: source (tsx), compiled (dist/, plain node)',
  },
  rounds: { type: 'string', default: '3', description: 'Starts per tree, form and role' },
  json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
});
const trees = values.trees.split(',');
const forms = values.forms.split(',');
const dir = mkdtempSync(join(tmpdir(), 'xl-start-'));
const chPath = join(dir, 'ch');
const cityFile = join(dir, 'city.yaml');

/** CPU time of a live process so far (utime + stime, all threads), ms. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms
}

async function startOnce(tree: string, form: string, role: string, redisUrl: string) {
  const side =
    role === 'worker' ? ['--clickhouse', `chdb://${chPath}`] : ['--mqtt-port', String(await freePort())];
  const t0 = Date.now();
  const c = spawn(
    process.execPath,
    [
      ...(form === 'compiled' ? [] : ['--import', 'tsx']),
      join(tree, 'bin/xueliang.js'),
      'ingest',
      '--role',
      role,
      '--redis-url',
      redisUrl,
      '--config',
      cityFile,
      '--data',
      dir,
      '--log-level',
      'error',
      '--metrics-port',
      '0',
      ...side,
    ],
    {
      cwd: tree,
      stdio: ['ignore', 'pipe', 'inherit'],
      // bin/xueliang.js runs dist/ whenever it exists; the source form must not.
      env: { ...process.env, ...(form === 'compiled' ? {} : { XUELIANG_FROM_SOURCE: '1' }) },
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('is up')) resolve();
    });
    c.once('exit', (code) => reject(new Error(`ingest --role ${role} exited (${code})`)));
  });
  const r = { tree, form, role, wallMs: Date.now() - t0, cpuMs: cpuMs(c.pid!) };
  await new Promise<void>((res) => {
    c.removeAllListeners('exit');
    c.once('exit', () => res());
    c.kill('SIGKILL');
  });
  return r;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const redis = await redisProc(join(dir, 'redis'));
  await redis.start();
  const raw = testCityRaw({ gateways: 10, camerasPerGateway: 1, prefix: 'start' });
  writeFileSync(cityFile, stringify({ ...raw, redis: { url: redis.url, prefix: 'start' } }));
  const boot = await openStore({ url: `chdb://${chPath}` });
  await migrate(boot, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
  await boot.close();
  const runs: Awaited<ReturnType<typeof startOnce>>[] = [];
  for (let i = 0; i < Number(values.rounds); i++)
    for (const tree of trees)
      for (const form of forms)
        for (const role of ['worker', 'receiver']) {
          const r = await startOnce(tree, form, role, redis.url);
          process.stderr.write(`${tree} ${form} ${role}: ${r.wallMs} ms wall, ${r.cpuMs} ms CPU\n`);
          runs.push(r);
        }
  await redis.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  const medians = trees.flatMap((tree) =>
    forms.flatMap((form) =>
      ['worker', 'receiver'].map((role) => {
        const mine = runs.filter((r) => r.tree === tree && r.form === form && r.role === role);
        return {
          tree,
          form,
          role,
          wallMs: median(mine.map((r) => r.wallMs)),
          cpuMs: median(mine.map((r) => r.cpuMs)),
        };
      }),
    ),
  );
  if (!values.json) process.stderr.write(`${JSON.stringify(medians, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ medians, runs })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
