/**
 * A split deployment's `xueliang ingest` (a real child process: embedded endpoint, Redis,
 * chDB) evaluates the alert rules on what its workers store: an illegal-parking event from a
 * gateway becomes a task on the grid's topic, which a grid member's key reads.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { makeEnvelope, makeHit } from '../../contracts/testkit.js';
import { promtoolCheck } from '../../contracts/promtool.js';
import { projectRoot } from '../../contracts/testdata.js';
import { topics } from '../../contracts/topics.js';
import {
  apiKeyOf,
  cameraId,
  connectGateway,
  dropPrefix,
  gatewayId,
  TEST_REDIS_URL,
  testCityRaw,
  until,
} from '../../ingest/testkit.js';
import { freePort } from '../redis-child.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-ingest-cmd-'));
const base = testCityRaw({
  gateways: 1,
  camerasPerGateway: 1,
  keys: { 'member-g0': ['grid_member', 'grid-0'] },
});
const prefix = (base.redis as { prefix: string }).prefix;
const raw = {
  ...base,
  alerts: {
    rules: [
      { id: 'parking', title: 'Illegal parking', match: { kinds: ['event'], types: ['illegal_parking'] } },
    ],
  },
};
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await dropPrefix(TEST_REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('xueliang ingest (its own process)', () => {
  it('turns a stored illegal-parking event into a task its grid member receives', async () => {
    writeFileSync(join(dir, 'city.yaml'), stringify(raw));
    const port = await freePort();
    const metricsPort = await freePort();
    let out = '';
    let err = '';
    child = spawn(
      process.execPath,
      [
        join(projectRoot, 'bin', 'xueliang.js'),
        ...[
          'ingest',
          '--config',
          join(dir, 'city.yaml'),
          '--mqtt-port',
          String(port),
          '--data',
          join(dir, 'data'),
        ],
        ...['--metrics-port', String(metricsPort)],
        ...['--log-level', 'warn'],
      ],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    expect(
      await until(() => out.includes('Alerts: evaluated') || child!.exitCode !== null, 60_000),
      err,
    ).toBe(true);
    expect(child.exitCode, err).toBeNull();
    const url = `mqtt://127.0.0.1:${port}`;

    const member = await mqtt.connectAsync(url, {
      // Client ids are bound to the login: the member's own id or '<id>-suffix' (docs/security.md).
      clientId: 'member-g0-tasks',
      username: 'member-g0',
      password: apiKeyOf('member-g0'),
      reconnectPeriod: 0,
    });
    const tasks: Array<{ event: string; task: { source: { ruleId?: string }; camera: string } }> = [];
    member.on('message', (_t, p) => tasks.push(JSON.parse(p.toString())));
    await member.subscribeAsync(topics.gridTasks('grid-0'), { qos: 1 });

    const gw = await connectGateway(url, gatewayId(0));
    const hit = makeHit({
      gateway: gatewayId(0),
      camera: cameraId(0, 0),
      kind: 'event',
      type: 'illegal_parking',
      label: 'car',
      rule: 'kerb',
      zone: 'kerb',
    });
    await gw.publishAsync(
      topics.hits(gatewayId(0)),
      JSON.stringify(makeEnvelope([hit], { gateway: gatewayId(0) })),
      {
        qos: 1,
      },
    );
    await gw.endAsync();
    expect(await until(() => tasks.length > 0, 20_000), `${out}\n${err}`).toBe(true);
    expect(tasks[0]).toMatchObject({
      event: 'opened',
      task: { source: { ruleId: 'parking' }, camera: cameraId(0, 0) },
    });
    await member.endAsync();

    // Its metrics endpoint follows the Prometheus conventions, with the queues' depth and age.
    expect(out).toContain(`Metrics: http://127.0.0.1:${metricsPort}/metrics`);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^xueliang_ingest_hits_stored_total 1$/m);
    for (const q of ['hits', 'alerts-webhooks', 'alerts-escalate']) {
      expect(text).toContain(`xueliang_queue_jobs{queue="${q}",state="waiting"}`);
      expect(text).toMatch(
        new RegExp(`^xueliang_queue_oldest_waiting_age_seconds\\{queue="${q}"\\} [0-9.e+-]+$`, 'm'),
      );
    }
    // The task's SLA escalation waits as a delayed job.
    expect(text).toMatch(/^xueliang_queue_jobs\{queue="alerts-escalate",state="delayed"\} 1$/m);
    expect(text).toMatch(/^xueliang_alert_batch_seconds_count [1-9]/m);
    expect(await promtoolCheck(text)).toEqual([]);
  }, 120_000);
});
