/**
 * API keys on the embedded endpoint (`xueliang tasks watch` against `xueliang up`): a key id
 * and its key log in, may read the task topics of the grids in the key's jurisdiction and
 * nothing else, and may not publish.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    await expect(login('member-g0', 'not-the-key')).rejects.toThrow(/Bad username or password|Not authorized/i);
    const m = await login('member-g0', apiKeyOf('member-g0'));
    const closed = new Promise<void>((r) => m.once('close', () => r()));
    m.publish(topics.hits('gw-000'), Buffer.from('{}'), { qos: 1 });
    await closed;
  });
});
