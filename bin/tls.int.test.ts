/**
 * TLS end to end with real processes (docs/deploy.md#tls): certificates from `deploy certs`
 * (openssl); `xueliang ingest` as a child process serving MQTT over TLS only; the gateway's spool
 * publisher sending over TLS with its client certificate (no password) and another gateway with
 * CA and password, both stored (the child's metrics count them); a plaintext client, a client
 * trusting another CA, an expired client certificate and a wrong password each refused with
 * their code; `xueliang api` over HTTPS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../contracts/log.js';
import { connectionErrorCode, setServiceTls } from '../contracts/tls.js';
import { redisConnection } from '../analytics/redis.js';
import { openStore } from '../analytics/store.js';
import { isXlError } from '../contracts/errors.js';
import { reconnectBackoff } from '../contracts/mqtt-backoff.js';
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
import { type CertFiles, issue, makeCityCerts } from './certs.js';
import { freePort } from './redis-child.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-tls-'));
const children: ChildProcess[] = [];
let certs: CertFiles;
let rogue: CertFiles;
let expired: { cert: string; key: string };
const base = testCityRaw({ gateways: 2, camerasPerGateway: 1 });
const prefix = (base.redis as { prefix: string }).prefix;

function xueliang(args: string[]): { child: ChildProcess; out: () => string } {
  let out = '';
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'xueliang.js'), ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  children.push(child);
  return { child, out: () => out };
}

beforeAll(() => {
  writeFileSync(join(dir, 'city.yaml'), stringify(base));
  certs = makeCityCerts(join(dir, 'tls'), {
    city: 'test',
    hosts: ['localhost'],
    ips: ['127.0.0.1'],
    gateways: [gatewayId(0), gatewayId(1)],
    days: 30,
    caDays: 60,
  });
  rogue = makeCityCerts(join(dir, 'rogue'), {
    city: 'rogue',
    hosts: ['localhost'],
    ips: ['127.0.0.1'],
    gateways: [gatewayId(0)],
    days: 30,
    caDays: 60,
  });
  expired = issue(
    join(dir, 'tls'),
    'expired',
    { cert: certs.ca, key: certs.caKey },
    {
      cn: gatewayId(1),
      san: [],
      usage: 'clientAuth',
      days: -1,
    },
  );
});

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null) continue;
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  }
  await dropPrefix(TEST_REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('deploy certs', () => {
  it('writes a CA, a server certificate and a client certificate per gateway, keys 0600', async () => {
    for (const key of [certs.caKey, certs.server.key, certs.gateways[gatewayId(0)]!.key])
      expect(statSync(key).mode & 0o777).toBe(0o600);
    // The CLI reuses the CA it finds: new certificates join the same city.
    const before = readFileSync(certs.ca, 'utf8');
    const run = xueliang([
      ...['deploy', 'certs', '--city', join(dir, 'city.yaml'), '--out', join(dir, 'tls')],
      ...['--host', 'localhost', '--ip', '127.0.0.1'],
    ]);
    await new Promise((r) => run.child.once('exit', r));
    expect(run.child.exitCode, run.out()).toBe(0);
    expect(run.out()).toContain('2 client certificate(s)');
    expect(readFileSync(certs.ca, 'utf8')).toBe(before);
  }, 30_000);
});

describe('MQTT over TLS into a real ingest process', () => {
  let port = 0;
  let plainPort = 0;
  let metricsPort = 0;
  let ingest: ReturnType<typeof xueliang>;
  const url = () => `mqtts://127.0.0.1:${port}`;
  const ca = () => readFileSync(certs.ca);

  beforeAll(async () => {
    [port, plainPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const raw = {
      ...base,
      mqtt: {
        host: '127.0.0.1',
        port: plainPort,
        tls: { port, cert: certs.server.cert, key: certs.server.key, ca: certs.ca, clientCerts: 'optional' },
      },
    };
    writeFileSync(join(dir, 'city-tls.yaml'), stringify(raw));
    ingest = xueliang([
      ...['ingest', '--config', join(dir, 'city-tls.yaml'), '--data', join(dir, 'data-ingest')],
      ...['--metrics-port', String(metricsPort), '--log-level', 'warn'],
    ]);
    expect(
      await until(
        () => ingest.out().includes('Ingest (all) is up') || ingest.child.exitCode !== null,
        60_000,
      ),
    ).toBe(true);
    expect(ingest.child.exitCode, ingest.out()).toBeNull();
    expect(ingest.out()).toContain(`MQTT: mqtts://127.0.0.1:${port}`);
  }, 90_000);

  it('stores what gateways send over TLS: by client certificate, and by CA and password', async () => {
    const spool = await openDiskSpool({ dir: join(dir, 'spool-0'), maxBytes: 16 * 1024 * 1024 });
    const gw = certs.gateways[gatewayId(0)]!;
    const pub = SpoolPublisher.start({
      gateway: gatewayId(0),
      url: url(),
      spool,
      flushMs: 50,
      ackTimeoutMs: 5_000,
      log: silentLogger(),
      mqtt: { ca: ca(), cert: readFileSync(gw.cert), key: readFileSync(gw.key), rejectUnauthorized: true },
    });
    for (let i = 0; i < 3; i++) pub.addHit(makeHit({ gateway: gatewayId(0), camera: cameraId(0, 0) }));
    const byPassword = SpoolPublisher.start({
      gateway: gatewayId(1),
      url: url(),
      password: gatewayPassword(gatewayId(1)),
      spool: await openDiskSpool({ dir: join(dir, 'spool-1'), maxBytes: 16 * 1024 * 1024 }),
      flushMs: 50,
      ackTimeoutMs: 5_000,
      log: silentLogger(),
      mqtt: { ca: ca(), rejectUnauthorized: true },
    });
    byPassword.addHit(makeHit({ gateway: gatewayId(1), camera: cameraId(1, 0) }));
    const acked = () => pub.stats().acked >= 1 && byPassword.stats().acked >= 1;
    expect(await until(acked, 30_000), ingest.out()).toBe(true);
    const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(
      await until(async () => /^xueliang_ingest_hits_stored_total 4$/m.test(await metrics()), 30_000),
    ).toBe(true);
    await pub.close();
    await byPassword.close();
  }, 60_000);

  it('refuses plaintext, another CA, an expired client certificate and a wrong password, with codes', async () => {
    // No plaintext listener unless asked for; plaintext MQTT against the TLS port gets no CONNACK.
    const plain = await mqtt
      .connectAsync(`mqtt://127.0.0.1:${plainPort}`, { reconnectPeriod: 0, connectTimeout: 2_000 }, false)
      .catch((e: Error & { code?: string }) => e);
    expect((plain as { code?: string }).code).toBe('ECONNREFUSED');
    const onTls = await mqtt
      .connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 2_000 }, false)
      .catch((e: Error) => e);
    expect(onTls).toBeInstanceOf(Error);
    const attempt = (opts: mqtt.IClientOptions) =>
      mqtt
        .connectAsync(
          url(),
          {
            protocolVersion: 4,
            reconnectPeriod: 0,
            connectTimeout: 5_000,
            rejectUnauthorized: true,
            ...opts,
          },
          false,
        )
        .then(
          async (c) => {
            await c.endAsync();
            return 'connected';
          },
          (e: unknown) => connectionErrorCode(e) ?? String(e),
        );
    expect(await attempt({ ca: readFileSync(rogue.ca), username: gatewayId(0) })).toBe('TLS_UNTRUSTED');
    expect(await attempt({ username: gatewayId(0) })).toBe('TLS_UNTRUSTED'); // system CAs only
    expect(
      await attempt({
        ca: ca(),
        clientId: gatewayId(1),
        cert: readFileSync(expired.cert),
        key: readFileSync(expired.key),
      }),
    ).toBe('MQTT_AUTH_REFUSED'); // an expired certificate names nobody: no password, no login
    expect(
      await attempt({ ca: ca(), clientId: gatewayId(1), username: gatewayId(1), password: 'wrong' }),
    ).toBe('MQTT_AUTH_REFUSED');
    // A rogue CA's client certificate for gateway 0 is not gateway 0.
    const r = rogue.gateways[gatewayId(0)]!;
    expect(
      await attempt({
        ca: ca(),
        clientId: gatewayId(0),
        cert: readFileSync(r.cert),
        key: readFileSync(r.key),
      }),
    ).toBe('MQTT_AUTH_REFUSED');
  }, 60_000);

  it('backs off exponentially after a refusal instead of retrying every second', async () => {
    const lines: Array<{ code?: string; retryInMs?: number }> = [];
    const log = silentLogger();
    log.error = ((o: { code?: string; retryInMs?: number }) => lines.push(o)) as typeof log.error;
    const c = mqtt.connect(url(), {
      ca: readFileSync(rogue.ca),
      username: gatewayId(0),
      reconnectPeriod: 100,
      connectTimeout: 2_000,
    });
    reconnectBackoff(c, { baseMs: 100, log, what: 'ingest' });
    await new Promise((r) => setTimeout(r, 2_500));
    c.end(true);
    // 100 ms a try would be ~25 tries; doubling (200, 400, 800, 1600 ms) leaves 4 or 5.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines.every((l) => l.code === 'TLS_UNTRUSTED')).toBe(true);
    expect(lines.map((l) => l.retryInMs)).toEqual(lines.map((_, i) => 100 * 2 ** (i + 1)));
  }, 10_000);
});

describe('the API over HTTPS', () => {
  it('serves /healthz over TLS verified by the city CA, and nothing to a client trusting another CA', async () => {
    const port = await freePort();
    const raw = { ...base, http: { port, tls: { cert: certs.server.cert, key: certs.server.key } } };
    writeFileSync(join(dir, 'city-https.yaml'), stringify(raw));
    const api = xueliang(['api', '--config', join(dir, 'city-https.yaml'), '--data', join(dir, 'data-api')]);
    expect(await until(() => api.out().includes('API: ') || api.child.exitCode !== null, 60_000)).toBe(true);
    expect(api.out()).toContain(`API: https://127.0.0.1:${port}`);
    const getHealth = (caFile: string) =>
      new Promise<number | string>((resolve) => {
        get(`https://127.0.0.1:${port}/healthz`, { ca: readFileSync(caFile) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', (e) => resolve(connectionErrorCode(e) ?? e.message));
      });
    expect(await getHealth(certs.ca)).toBe(200);
    expect(await getHealth(rogue.ca)).toBe('TLS_UNTRUSTED');
  }, 90_000);
});

describe('Redis over TLS (rediss://, a redis-server child with --tls-port)', () => {
  it('connects with the CA of redis.tls, and not with another CA', async () => {
    const port = await freePort();
    const server = spawn(
      'redis-server',
      [
        ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1'],
        ...['--tls-cert-file', certs.server.cert, '--tls-key-file', certs.server.key],
        ...['--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no'],
      ],
      { stdio: 'ignore' },
    );
    children.push(server);
    const url = `rediss://127.0.0.1:${port}`;
    const ping = async (ca: string) => {
      setServiceTls('redis', { ca });
      const r = redisConnection(url, silentLogger(), { maxRetriesPerRequest: 0 });
      try {
        return await Promise.race([
          r.ping(),
          new Promise<string>((resolve) =>
            r.once('error', (e) => resolve(connectionErrorCode(e) ?? e.message)),
          ),
        ]);
      } finally {
        r.disconnect();
        setServiceTls('redis', {});
      }
    };
    expect(await until(async () => (await ping(certs.ca)) === 'PONG', 10_000)).toBe(true);
    expect(await ping(rogue.ca)).toBe('TLS_UNTRUSTED');
  }, 30_000);
});

describe('ClickHouse over https:// with store.tls.ca', () => {
  it("passes the CA to the ClickHouse client: the city CA's server is reached, another CA's refused", async () => {
    // No ClickHouse server here: an HTTPS endpoint with the city's server certificate answers
    // the store's first statement (CREATE DATABASE) with an empty 200, as ClickHouse does.
    const seen: string[] = [];
    const server = createHttpsServer(
      { cert: readFileSync(certs.server.cert), key: readFileSync(certs.server.key) },
      (req, res) => {
        let body = '';
        req.on('data', (b: Buffer) => (body += b.toString()));
        req.on('end', () => {
          seen.push(body || decodeURIComponent(req.url ?? ''));
          res.writeHead(200, { 'X-ClickHouse-Summary': '{}' }).end();
        });
      },
    );
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${port}`;
      setServiceTls('clickhouse', { ca: certs.ca });
      const store = await openStore({ url, database: 'xueliang' });
      await store.close();
      expect(seen.join('\n')).toContain('CREATE DATABASE IF NOT EXISTS xueliang');
      setServiceTls('clickhouse', { ca: rogue.ca });
      const err = await openStore({ url, database: 'xueliang' }).catch((e: unknown) => e);
      expect(isXlError(err, 'STORE_UNREACHABLE') && /certificate/.test(err.message)).toBe(true);
    } finally {
      setServiceTls('clickhouse', {});
      server.close();
    }
  }, 30_000);
});
