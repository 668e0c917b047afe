/**
 * API keys on the embedded endpoint (`xueliang tasks watch` against `xueliang up`): a key id
 * and its key log in, may read the task topics of the grids in the key's jurisdiction and
 * nothing else, and may not publish.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../contracts/testdata.js';
import { topics } from '../contracts/topics.js';
import { apiKeyOf, type Harness, startHarness, until } from './testkit.js';

let h: Harness;
const clients: MqttClient[] = [];
beforeAll(async () => {
  h = await startHarness({
    gateways: 2,
    camerasPerGateway: 1,
    keys: { 'member-g0': ['grid_member', 'grid-0'], 'county-analyst': ['analyst', 'county'] },
  });
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await h?.close();
});

const login = async (user: string, password: string): Promise<MqttClient> => {
  const c = await mqtt.connectAsync(h.ingest.mqttUrl, {
    clientId: `${user}-${ulid().slice(-6)}`,
    username: user,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  clients.push(c);
  return c;
};
/** The granted QoS, or 128 when refused (mqtt.js rejects a refused subscription). */
const granted = (c: MqttClient, topic: string): Promise<number> =>
  c.subscribeAsync(topic, { qos: 1 }).then(
    (g) => g[0]!.qos,
    (e: { code?: number; message: string }) => (/Subscribe error/.test(e.message) ? 128 : Promise.reject(e)),
  );

describe('API keys on the embedded endpoint', () => {
  it('a grid member reads its grid’s tasks, and only those', async () => {
    const m = await login('member-g0', apiKeyOf('member-g0'));
    expect(await granted(m, topics.gridTasks('grid-0'))).toBe(1);
    expect(await granted(m, topics.gridTasks('grid-1'))).toBe(128);
    expect(await granted(m, 'xueliang/v1/grid/+/tasks')).toBe(128);
    expect(await granted(m, topics.ack('gw-000'))).toBe(128);
    const got: string[] = [];
    m.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    await h.ingest.publish(topics.gridTasks('grid-1'), Buffer.from('{"n":1}'));
    await h.ingest.publish(topics.gridTasks('grid-0'), Buffer.from('{"n":2}'));
    expect(await until(() => got.length > 0, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([`${topics.gridTasks('grid-0')} {"n":2}`]);
  });

  it('a county analyst reads every grid of the county', async () => {
    const a = await login('county-analyst', apiKeyOf('county-analyst'));
    expect(await granted(a, topics.gridTasks('grid-0'))).toBe(1);
    expect(await granted(a, topics.gridTasks('grid-1'))).toBe(1);
  });

  it('a wrong key is refused; a key that publishes is disconnected', async () => {
    await expect(login('member-g0', 'not-the-key')).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    const m = await login('member-g0', apiKeyOf('member-g0'));
    const closed = new Promise<void>((r) => m.once('close', () => r()));
    m.publish(topics.hits('gw-000'), Buffer.from('{}'), { qos: 1 });
    await closed;
  });

  it('`xueliang tasks watch` with a key: its grid’s tasks; another grid: a coded refusal', async () => {
    const watch = (grid: string) => {
      const child = spawn(
        process.execPath,
        [
          join(projectRoot, 'bin', 'xueliang.js'),
          ...['tasks', 'watch', '--grid', grid, '--mqtt-url', h.ingest.mqttUrl],
          ...['--username', 'member-g0', '--password', apiKeyOf('member-g0')],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const io = { out: '', err: '', code: undefined as number | null | undefined };
      child.stdout.on('data', (b: Buffer) => (io.out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (io.err += b.toString()));
      child.on('exit', (c) => (io.code = c));
      return { child, io };
    };
    const other = watch('grid-1');
    expect(await until(() => other.io.code !== undefined, 30_000)).toBe(true);
    expect(other.io.code).not.toBe(0);
    expect(other.io.err).toContain('ALERT_SUBSCRIBE_REFUSED');
    const mine = watch('grid-0');
    try {
      expect(await until(() => mine.io.err.includes('watching'), 30_000)).toBe(true);
      const task = {
        id: 'T-MINE',
        status: 'open',
        priority: 'normal',
        org: 'grid-0',
        grid: 'grid-0',
        title: 'Parking',
        source: { kind: 'rule', ruleId: 'p' },
        camera: 'cam-000-0',
        zone: null,
        hitCount: 1,
        deadlineMs: null,
        updatedMs: Date.now(),
      };
      await h.ingest.publish(
        topics.gridTasks('grid-0'),
        Buffer.from(JSON.stringify({ event: 'opened', task })),
      );
      expect(await until(() => mine.io.out.includes('T-MINE'), 10_000)).toBe(true);
    } finally {
      mine.child.kill('SIGTERM');
    }
  }, 90_000);
});
