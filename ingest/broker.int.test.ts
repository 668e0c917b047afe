/**
 * Broker mode end to end through a real Mosquitto configured by `xueliang deploy
 * mosquitto-acl`: gateways log in with their passwords and may publish only under their
 * own prefix; ingest subscribes with a shared subscription and acks end to end; the spool
 * publisher's hits are stored once.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadCityConfig } from '../contracts/config/index.js';
import { MOSQUITTO_MAX_PACKET_BYTES } from './mosquitto.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { silentLogger } from '../contracts/log.js';
import { projectRoot } from '../contracts/testdata.js';
import { topics } from '../contracts/topics.js';
import { openDiskSpool } from '../edge-agent/publisher/disk-spool.js';
import { SpoolPublisher } from '../edge-agent/publisher/publisher.js';
import {
  apiKeyOf,
  cameraId,
  count,
  gatewayId,
  gatewayPassword,
  type Harness,
  startHarness,
  testCityRaw,
  until,
} from './testkit.js';
import { freePort } from '../contracts/net.js';

const hasMosquitto = spawnSync('sh', ['-c', 'command -v mosquitto']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xl-mosq-'));
let broker: ChildProcess | undefined;
let url = '';
let h: Harness | undefined;
const raw = {
  ...testCityRaw({
    gateways: 2,
    camerasPerGateway: 1,
    ingest: { bundleMaxMs: 20 },
    keys: { 'member-g0': ['grid_member', 'grid-0'] },
  }),
  mqtt: { username: 'ingest', password: 'ingest-secret-pw' },
};

describe.skipIf(!hasMosquitto)('broker mode through Mosquitto with generated ACLs', () => {
  beforeAll(async () => {
    const cityFile = join(dir, 'city.yaml');
    writeFileSync(cityFile, stringify(raw));
    writeFileSync(
      join(dir, 'gateways.secret'),
      `# test\n${gatewayId(0)}:${gatewayPassword(gatewayId(0))}\n${gatewayId(1)}:${gatewayPassword(gatewayId(1))}\nmember-g0:${apiKeyOf('member-g0')}\n`,
    );
    const r = spawnSync(
      'npx',
      [
        'tsx',
        'bin/xueliang.js',
        'deploy',
        'mosquitto-acl',
        '--config',
        cityFile,
        '--passwords',
        join(dir, 'gateways.secret'),
        '--out',
        dir,
      ],
      {
        cwd: projectRoot,
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const port = await freePort();
    // The generated settings (xueliang.conf: passwd, acl, packet and queue bounds) through
    // include_dir, as docs/ingest.md tells operators; this file lives outside that folder.
    const main = join(mkdtempSync(join(tmpdir(), 'xl-mosq-main-')), 'mosquitto.conf');
    writeFileSync(
      main,
      `${process.getuid?.() === 0 ? 'user root\n' : ''}persistence false\ninclude_dir ${dir}\nlistener ${port} 127.0.0.1\n`,
    );
    broker = spawn('mosquitto', ['-c', main], { stdio: 'ignore' });
    url = `mqtt://127.0.0.1:${port}`;
    await until(async () => {
      const c = await mqtt
        .connectAsync(url, { username: 'ingest', password: 'ingest-secret-pw', reconnectPeriod: 0 })
        .catch(() => undefined);
      await c?.endAsync();
      return c !== undefined;
    }, 10_000);
    const config = loadCityConfig(undefined, {}, raw);
    h = await startHarness(
      { gateways: 2, camerasPerGateway: 1, prefix: config.redis.prefix, ingest: { bundleMaxMs: 20 } },
      { mqtt: { mode: 'broker', url, username: 'ingest', password: 'ingest-secret-pw' } },
    );
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    broker?.kill('SIGTERM');
  });

  it('writes password lines in Mosquitto format and never the clear passwords', () => {
    const passwd = readFileSync(join(dir, 'passwd'), 'utf8');
    expect(passwd).toMatch(/^gw-000:\$7\$101\$/m);
    expect(passwd).toMatch(/^member-g0:\$7\$101\$/m);
    expect(passwd).not.toContain(gatewayPassword(gatewayId(0)));
    expect(passwd).not.toContain(apiKeyOf('member-g0'));
  });

  it('writes the broker settings: the packet size bound and the generated files', () => {
    const conf = readFileSync(join(dir, 'xueliang.conf'), 'utf8');
    expect(conf).toContain(`max_packet_size ${MOSQUITTO_MAX_PACKET_BYTES}`);
    expect(conf).toContain(`acl_file ${dir}/acl`);
    expect(conf).toContain('allow_anonymous false');
  });

  it('closes a gateway that sends a packet over max_packet_size; a normal one still gets through', async () => {
    const GW = gatewayId(1);
    const c = await mqtt.connectAsync(url, {
      username: GW,
      password: gatewayPassword(GW),
      reconnectPeriod: 0,
    });
    const closed = new Promise<boolean>((r) => {
      c.once('close', () => r(true));
      setTimeout(() => r(false), 10_000).unref();
    });
    c.publish(topics.hits(GW), Buffer.alloc(MOSQUITTO_MAX_PACKET_BYTES + 1, 0x20), { qos: 1 });
    expect(await closed).toBe(true);
    c.end(true);
    // Sensors go through the broker too (the ACL grants the gateway's sensors topic).
    const ingestSide = await mqtt.connectAsync(url, {
      username: 'ingest',
      password: 'ingest-secret-pw',
      reconnectPeriod: 0,
    });
    const got: string[] = [];
    ingestSide.on('message', (t) => got.push(t));
    await ingestSide.subscribeAsync(topics.allSensors, { qos: 1 });
    const gw = await mqtt.connectAsync(url, {
      username: GW,
      password: gatewayPassword(GW),
      reconnectPeriod: 0,
    });
    await gw.publishAsync(topics.sensors(GW), '{"v":1}', { qos: 1 });
    await gw.publishAsync(topics.sensors(gatewayId(0)), '{"v":1}', { qos: 1 }); // not its own: dropped
    expect(await until(() => got.length > 0, 5_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([topics.sensors(GW)]);
    await gw.endAsync();
    await ingestSide.endAsync();
  }, 30_000);

  it('a login using another gateway’s client id gets none of its queued messages', async () => {
    const [A, B] = [gatewayId(0), gatewayId(1)];
    // A keeps a session (clean: false) subscribed to its acks, then goes away.
    const a = await mqtt.connectAsync(url, {
      clientId: A,
      username: A,
      password: gatewayPassword(A),
      clean: false,
      reconnectPeriod: 0,
    });
    await a.subscribeAsync(topics.ack(A), { qos: 1 });
    await a.endAsync();
    await h!.ingest.publish(topics.ack(A), Buffer.from('{"v":1,"ids":["queued-for-a"]}'));
    // B logs in with A's client id and resumes A's session.
    const b = await mqtt.connectAsync(url, {
      clientId: A,
      username: B,
      password: gatewayPassword(B),
      clean: false,
      reconnectPeriod: 0,
    });
    const stolen: string[] = [];
    b.on('message', (t) => stolen.push(t));
    await new Promise((r) => setTimeout(r, 1_000));
    await b.endAsync();
    expect(stolen).toEqual([]);
  }, 30_000);

  it('an API key reads its grid’s tasks through the broker, not another grid’s', async () => {
    const m = await mqtt.connectAsync(url, {
      username: 'member-g0',
      password: apiKeyOf('member-g0'),
      reconnectPeriod: 0,
    });
    try {
      const got: string[] = [];
      m.on('message', (t) => got.push(t));
      await m.subscribeAsync(topics.gridTasks('grid-0'), { qos: 1 });
      await m.subscribeAsync(topics.gridTasks('grid-1'), { qos: 1 }).catch(() => undefined); // denied by the ACL
      await h!.ingest.publish(topics.gridTasks('grid-1'), Buffer.from('{"n":1}'));
      await h!.ingest.publish(topics.gridTasks('grid-0'), Buffer.from('{"n":2}'));
      expect(await until(() => got.length > 0, 5_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toEqual([topics.gridTasks('grid-0')]);
    } finally {
      await m.endAsync();
    }
  });

  it('refuses a wrong password; a gateway cannot publish under another prefix; valid hits are stored once', async () => {
    await expect(
      mqtt.connectAsync(url, { username: gatewayId(0), password: 'nope', reconnectPeriod: 0 }),
    ).rejects.toThrow();
    const GW = gatewayId(0);
    // Another gateway's prefix: Mosquitto drops it silently (ACL), nothing reaches ingest.
    const rogue = await mqtt.connectAsync(url, {
      username: GW,
      password: gatewayPassword(GW),
      reconnectPeriod: 0,
    });
    const forged = makeEnvelope([makeHit({ gateway: gatewayId(1), camera: cameraId(1, 0) })]);
    await rogue.publishAsync(topics.hits(gatewayId(1)), JSON.stringify(forged), { qos: 1 });
    await rogue.endAsync();

    const spool = await openDiskSpool({ dir: mkdtempSync(join(tmpdir(), 'xl-pub-')), maxBytes: 1 << 24 });
    const p = SpoolPublisher.start({
      gateway: GW,
      url,
      password: gatewayPassword(GW),
      spool,
      flushMs: 50,
      ackTimeoutMs: 3_000,
      log: silentLogger(),
    });
    const hits = Array.from({ length: 500 }, () => makeHit({ gateway: GW, camera: cameraId(0, 0) }));
    for (const x of hits) p.addHit(x);
    expect(await until(() => p.drained(), 15_000)).toBe(true);
    const q = 'SELECT count() AS n FROM hits WHERE id IN {ids:Array(String)}';
    expect(
      await until(async () => (await count(h!.store, q, { ids: hits.map((x) => x.id) })) === 500, 10_000),
    ).toBe(true);
    await p.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(await count(h!.store, 'SELECT count() AS n FROM hits')).toBe(500);
    expect(
      await count(h!.store, 'SELECT count() AS n FROM hits WHERE id = {id:String}', {
        id: forged.hits[0]!.id,
      }),
    ).toBe(0);
  }, 40_000);
});
