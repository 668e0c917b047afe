/**
 * `xueliang edge --config gateway.yaml --metrics-port N` as a real process: it starts from a
 * YAML file, serves metrics, publishes its retained status, and when it is killed (SIGKILL,
 * no goodbye) the broker publishes its last will: status `offline`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { promtoolCheck } from '../contracts/promtool.js';
import { parseStatus } from '../contracts/status.js';
import { NO_TEST_DATA, projectRoot, testDataDir } from '../contracts/testdata.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../models/testkit.js';
import { type Broker, freePort, mosquittoUnavailable, startBroker, Tap, until } from './agent-testkit.js';

const data = testDataDir();
const skip = !data ? NO_TEST_DATA : mosquittoUnavailable();
if (skip) console.warn(`edge-agent cli: skipped: ${skip}`);

describe.skipIf(!!skip)('xueliang edge (process)', () => {
  let broker: Broker;
  let modelsDir: string;
  const dir = mkdtempSync(join(tmpdir(), 'xl-edge-cli-'));
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    modelsDir = await builtModelsDir();
    broker = await startBroker();
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await broker?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs from gateway.yaml, serves metrics, and leaves `offline` as its last will when killed', async () => {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      stringify({
        gateway: { id: 'gw-cli' },
        mqtt: { url: broker.url, keepaliveS: 5 },
        model: { dir: modelsDir },
        spool: { dir: join(dir, 'spool') },
        attributes: { plates: false },
        cameras: [
          {
            id: 'cam-cli',
            url: join(data!, 'video', 'highway_cctv.avi'),
            width: 320,
            height: 240,
            loop: true,
          },
        ],
        log: { level: 'warn' },
      }),
    );
    const tap = await Tap.connect(broker.url, 'gw-cli');
    const port = await freePort();
    let stdout = '';
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(projectRoot, 'bin', 'main.ts'),
        'edge',
        '--config',
        file,
        '--metrics-port',
        String(port),
      ],
      {
        cwd: projectRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    try {
      await until('the banner', () => stdout.includes('is running'), 90_000);
      expect(stdout).toContain(`http://127.0.0.1:${port}/metrics`);
      await until(
        'a streaming status',
        () => tap.statuses.some((s) => s.includes('"state":"online"') && s.includes('"streaming"')),
        60_000,
      );
      await until(
        'processed frames in the metrics',
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return /xueliang_edge_frames_processed_total\{camera="cam-cli"\} [1-9]/.test(text);
        },
        60_000,
      );
      // The exposition follows the Prometheus conventions (base units, _total only on counters).
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/^xueliang_edge_stage_seconds_bucket\{/m);
      expect(text).not.toMatch(/xueliang_edge_fps_/);
      expect(await promtoolCheck(text)).toEqual([]);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
        cameras: Record<string, { state: string }>;
      };
      expect(health.cameras['cam-cli']?.state).toBe('streaming');
      // Every status it published is a valid status document (contracts/status.ts).
      for (const s of tap.statuses.filter((x) => x !== 'offline'))
        expect(parseStatus(Buffer.from(s), 'gw-cli'), s).toMatchObject({ ok: true });

      child.kill('SIGKILL');
      await until('the last will', () => tap.statuses.at(-1) === 'offline', 20_000);
      // Retained: a newcomer sees it too.
      const late = await Tap.connect(broker.url, 'gw-cli');
      await until('the retained status', () => late.statuses.length > 0, 5_000);
      expect(late.statuses.at(-1)).toBe('offline');
      await late.close();
    } finally {
      await tap.close();
    }
  }, 240_000);
});
