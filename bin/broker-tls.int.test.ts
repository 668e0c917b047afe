/**
 * Broker mode over TLS with real processes (docs/deploy.md#mqtt-broker): Mosquitto started as
 * root drops to its `mosquitto` user, so it can read the passwd file only because `deploy
 * mosquitto-acl` gave it to that user; it listens on TLS only with `deploy certs`' server
 * certificate. `xueliang ingest` subscribes through `mqtts://` trusting the city CA, a gateway's
 * spool publisher sends over TLS with its password, and the hits are stored.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../contracts/log.js';
import { makeHit } from '../contracts/testkit.js';
import { projectRoot } from '../contracts/testdata.js';
import { openDiskSpool } from '../edge-agent/publisher/disk-spool.js';
import { SpoolPublisher } from '../edge-agent/publisher/publisher.js';
import {
  cameraId,
  dropPrefix,
  gatewayId,
  gatewayPassword,
  TEST_REDIS_URL,
  testCityRaw,
  until,
} from '../ingest/testkit.js';
import { makeCityCerts } from './certs.js';
import { lookupOwner } from './commands/deploy.js';
import { freePort } from './redis-child.js';

const mosquittoUser = process.getuid?.() === 0 ? lookupOwner('mosquitto') : undefined;
const hasMosquitto = spawnSync('sh', ['-c', 'command -v mosquitto']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xl-broker-tls-'));
const children: ChildProcess[] = [];
const base = testCityRaw({ gateways: 1, camerasPerGateway: 1, ingest: { bundleMaxMs: 20 } });
const raw = { ...base, mqtt: { username: 'ingest', password: 'ingest-secret-pw' } };
const prefix = (base.redis as { prefix: string }).prefix;

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null) continue;
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  }
  await dropPrefix(TEST_REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasMosquitto || !mosquittoUser)('Mosquitto over TLS, running as mosquitto', () => {
  it('stores what a gateway sends through the broker over TLS', async () => {
    chmodSync(dir, 0o755); // the broker's user walks into it
    writeFileSync(join(dir, 'city.yaml'), stringify(raw));
    writeFileSync(join(dir, 'secrets'), `${gatewayId(0)}:${gatewayPassword(gatewayId(0))}\n`);
    const acl = spawnSync(
      process.execPath,
      [
        join(projectRoot, 'bin', 'xueliang.js'),
        ...['deploy', 'mosquitto-acl', '--config', join(dir, 'city.yaml')],
        ...['--passwords', join(dir, 'secrets'), '--out', join(dir, 'mosq')],
      ],
      { cwd: projectRoot, encoding: 'utf8' },
    );
    expect(acl.status, acl.stderr).toBe(0);
    expect(acl.stdout).toMatch(/passwd \(0600, owner mosquitto\)/);
    const passwd = statSync(join(dir, 'mosq', 'passwd'));
    expect([passwd.uid, passwd.mode & 0o777]).toEqual([mosquittoUser!.uid, 0o600]);

    const certs = makeCityCerts(join(dir, 'tls'), {
      city: 'test',
      hosts: ['localhost'],
      ips: ['127.0.0.1'],
      gateways: [],
      days: 30,
      caDays: 60,
    });
    chmodSync(join(dir, 'tls'), 0o755);
    chownSync(certs.server.key, mosquittoUser!.uid, mosquittoUser!.gid); // the broker's key
    const port = await freePort();
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        'per_listener_settings false',
        'allow_anonymous false',
        `password_file ${join(dir, 'mosq', 'passwd')}`,
        `acl_file ${join(dir, 'mosq', 'acl')}`,
        `listener ${port} 127.0.0.1`,
        `cafile ${certs.ca}`,
        `certfile ${certs.server.cert}`,
        `keyfile ${certs.server.key}`,
        'persistence false',
        '',
      ].join('\n'),
    );
    let brokerLog = '';
    const broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf'), '-v'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    broker.stderr!.on('data', (b: Buffer) => (brokerLog += b.toString()));
    children.push(broker);

    const city = { ...raw, mqtt: { ...raw.mqtt, url: `mqtts://127.0.0.1:${port}`, tls: { ca: certs.ca } } };
    writeFileSync(join(dir, 'city-tls.yaml'), stringify(city));
    const metricsPort = await freePort();
    let out = '';
    const ingest = spawn(
      process.execPath,
      [
        join(projectRoot, 'bin', 'xueliang.js'),
        ...['ingest', '--config', join(dir, 'city-tls.yaml'), '--data', join(dir, 'data')],
        ...['--metrics-port', String(metricsPort), '--log-level', 'warn'],
      ],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(ingest);
    ingest.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    ingest.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    expect(
      await until(() => out.includes('Ingest (all) is up') || ingest.exitCode !== null, 60_000),
      out,
    ).toBe(true);
    expect(ingest.exitCode, `${out}\n${brokerLog}`).toBeNull();

    const pub = SpoolPublisher.start({
      gateway: gatewayId(0),
      url: `mqtts://127.0.0.1:${port}`,
      password: gatewayPassword(gatewayId(0)),
      spool: await openDiskSpool({ dir: join(dir, 'spool'), maxBytes: 16 * 1024 * 1024 }),
      flushMs: 50,
      ackTimeoutMs: 5_000,
      log: silentLogger(),
      mqtt: { ca: readFileSync(certs.ca), rejectUnauthorized: true },
    });
    for (let i = 0; i < 5; i++) pub.addHit(makeHit({ gateway: gatewayId(0), camera: cameraId(0, 0) }));
    const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(
      await until(async () => /^xueliang_ingest_hits_stored_total 5$/m.test(await metrics()), 30_000),
      `${out}\n${brokerLog.slice(-2000)}`,
    ).toBe(true);
    expect(await until(() => pub.stats().spooled === 0, 10_000)).toBe(true); // acked end to end
    await pub.close();
  }, 120_000);
});
