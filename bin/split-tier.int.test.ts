/**
 * A split central tier as separate processes on one Redis (docs/architecture.md#composition):
 * two `xueliang ingest --role receiver`, one `--role worker`, and two `xueliang api` that run no
 * workers, each with a data folder of its own (chDB allows one process per folder, so the APIs'
 * stores never see the worker's rows: the live feed must not depend on the store). Every hit is
 * stored once, even when a gateway sends the same message to both receivers; live hits reach
 * the SSE streams of both API processes, each within the caller's jurisdiction; a token revoked
 * through one API process is refused by the other; a key's rate limit holds across both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openStore } from '../analytics/store.js';
import { signJwt } from '../api/jwt.js';
import type { Hit } from '../contracts/hit.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { projectRoot } from '../contracts/testdata.js';
import { topics } from '../contracts/topics.js';
import {
  apiKeyOf,
  cameraId,
  connectGateway,
  count,
  dropPrefix,
  gatewayId,
  TEST_REDIS_URL,
  testCityRaw,
  until,
} from '../ingest/testkit.js';
import { freePort } from './redis-child.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-split-'));
const JWT_SECRET = 'split-tier-test-secret-0123456789abcdef';
const base = testCityRaw({
  gateways: 2,
  camerasPerGateway: 1,
  keys: {
    admin: ['admin', 'city'],
    'member-g0': ['grid_member', 'grid-0'],
    limited: ['viewer', 'city'],
  },
});
const prefix = (base.redis as { prefix: string }).prefix;
const raw = {
  ...base,
  api: {
    ...(base.api as object),
    jwt: { secret: JWT_SECRET },
    // A small bucket: 10 requests, then one every 10 s (every key; the tests use few requests).
    rateLimit: { perSecond: 0.1, burst: 10 },
  },
};

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
}
const procs: Proc[] = [];

function xueliang(args: string[]): Proc {
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'xueliang.js'), ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XUELIANG_API_KEY: apiKeyOf('admin') },
  });
  const p: Proc = { child, out: '', err: '' };
  child.stdout!.on('data', (b: Buffer) => (p.out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (p.err += b.toString()));
  procs.push(p);
  return p;
}

async function up(p: Proc, ready: string): Promise<void> {
  expect(await until(() => p.out.includes(ready) || p.child.exitCode !== null, 90_000, 100), p.err).toBe(
    true,
  );
  expect(p.child.exitCode, `${p.out}\n${p.err}`).toBeNull();
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

interface Sse {
  hits: Hit[];
  close(): void;
}

async function sse(api: string, key: string): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(`${api}/api/v1/stream?tasks=false`, {
    headers: { authorization: `Bearer ${key}` },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  const hits: Hit[] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        for (let k = buf.indexOf('\n\n'); k >= 0; k = buf.indexOf('\n\n')) {
          const block = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: hit$/m.test(block) && data) hits.push(JSON.parse(data) as Hit);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { hits, close: () => ac.abort() };
}

const cfgFile = join(dir, 'city.yaml');
const mqttPorts: number[] = [];
const apis: string[] = [];
let worker: Proc;

beforeAll(async () => {
  writeFileSync(cfgFile, stringify(raw));
  const common = ['--config', cfgFile, '--redis-url', TEST_REDIS_URL, '--log-level', 'warn'];
  const started: Array<[Proc, string]> = [];
  for (const i of [0, 1]) {
    const port = await freePort();
    mqttPorts.push(port);
    const args = ['--role', 'receiver', '--mqtt-port', String(port), '--metrics-port', '0'];
    started.push([
      xueliang(['ingest', ...common, ...args, '--data', join(dir, `rx-${i}`)]),
      'Ingest (receiver) is up',
    ]);
  }
  const workerArgs = ['--role', 'worker', '--metrics-port', '0', '--data', join(dir, 'worker')];
  worker = xueliang(['ingest', ...common, ...workerArgs]);
  started.push([worker, 'Ingest (worker) is up']);
  for (const i of [0, 1]) {
    const port = await freePort();
    apis.push(`http://127.0.0.1:${port}`);
    started.push([
      xueliang(['api', ...common, '--port', String(port), '--data', join(dir, `api-${i}`)]),
      'API: ',
    ]);
  }
  for (const [p, ready] of started) await up(p, ready);
}, 120_000);

afterAll(async () => {
  for (const p of procs) await stop(p);
  await dropPrefix(TEST_REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('split central tier: receivers, a worker, APIs without workers', () => {
  it('stores every hit once across two receivers and streams it live on both API processes', async () => {
    const admin0 = await sse(apis[0]!, apiKeyOf('admin'));
    const member1 = await sse(apis[1]!, apiKeyOf('member-g0'));
    const sent: Hit[] = [];
    try {
      const gws = await Promise.all(
        [0, 1].map((g) =>
          Promise.all(mqttPorts.map((port) => connectGateway(`mqtt://127.0.0.1:${port}`, gatewayId(g)))),
        ),
      );
      // Live hits travel while the workers run: publish until both streams saw a first hit (a
      // worker learns within a second that an API listens, analytics/hit-feed.ts).
      for (let round = 0; round < 40; round++) {
        for (const g of [0, 1]) {
          const hits = [0, 1, 2].map(() =>
            makeHit({ gateway: gatewayId(g), camera: cameraId(g, 0), tsMs: Date.now() }),
          );
          sent.push(...hits);
          const envelope = JSON.stringify(makeEnvelope(hits, { gateway: gatewayId(g) }));
          // The same message through both receivers (a gateway that reconnected elsewhere and
          // resent): the replay window in Redis keeps it to one job.
          for (const c of gws[g]!) await c.publishAsync(topics.hits(gatewayId(g)), envelope, { qos: 1 });
        }
        if (round >= 2 && admin0.hits.length > 0 && member1.hits.length > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const cs of gws) for (const c of cs) await c.endAsync();
      const last = sent.at(-1)!;
      expect(await until(() => admin0.hits.some((h) => h.id === last.id), 10_000)).toBe(true);
      // Jurisdiction: the grid-0 member's stream holds grid-0 hits only.
      expect(member1.hits.length).toBeGreaterThan(0);
      expect(member1.hits.every((h) => h.gateway === gatewayId(0))).toBe(true);
      expect(
        await until(
          () => member1.hits.some((h) => h.id === sent.filter((s) => s.gateway === gatewayId(0)).at(-1)!.id),
          10_000,
        ),
      ).toBe(true);
      // Each hit once on a stream, though each message went through two receivers.
      expect(new Set(admin0.hits.map((h) => h.id)).size).toBe(admin0.hits.length);
    } finally {
      admin0.close();
      member1.close();
    }
    // The worker's store: every hit sent, once (its folder is free once it stopped).
    await stop(worker);
    const store = await openStore({ url: `chdb://${join(dir, 'worker', 'clickhouse')}` });
    try {
      const ids = sent.map((h) => h.id);
      expect(
        await count(store, 'SELECT count() AS n FROM hits WHERE id IN {ids:Array(String)}', { ids }),
      ).toBe(ids.length);
      expect(
        await count(store, 'SELECT uniqExact(id) AS n FROM hits WHERE id IN {ids:Array(String)}', { ids }),
      ).toBe(ids.length);
    } finally {
      await store.close();
    }
  }, 90_000);

  it('refuses a token on one API process once another revoked it; rate limits hold across both', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      {
        sub: 'analyst-7',
        role: 'viewer',
        org: 'city',
        iat: now,
        exp: now + 600,
        iss: 'xueliang',
        jti: `t-${now}`,
      },
      JWT_SECRET,
    );
    const me = (api: string, key: string) =>
      fetch(`${api}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await me(apis[1]!, token)).toBe(200);
    const revoke = await fetch(`${apis[0]}/api/v1/tokens/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKeyOf('admin')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(revoke.status).toBe(200);
    expect(await revoke.json()).toMatchObject({ jti: `t-${now}`, untilMs: (now + 600 + 30) * 1000 });
    expect(await until(async () => (await me(apis[1]!, token)) === 401, 5_000)).toBe(true);
    expect(await me(apis[0]!, token)).toBe(401);
    // A viewer cannot revoke; the list shows the revocation to an admin.
    const list = await fetch(`${apis[1]}/api/v1/tokens/revoked`, {
      headers: { authorization: `Bearer ${apiKeyOf('admin')}` },
    });
    expect(((await list.json()) as { items: Array<{ jti: string }> }).items.map((i) => i.jti)).toContain(
      `t-${now}`,
    );
    // The CLI revokes through any API process, and lists what is revoked.
    const cli = xueliang(['tokens', 'revoke', '--api-url', apis[1]!, '--jti', 'cli-jti-1', '--json']);
    await new Promise((r) => cli.child.once('exit', r));
    expect(cli.child.exitCode, cli.err).toBe(0);
    expect(JSON.parse(cli.out)).toMatchObject({ jti: 'cli-jti-1' });
    const listed = xueliang(['tokens', 'revoked', '--api-url', apis[0]!]);
    await new Promise((r) => listed.child.once('exit', r));
    expect(listed.out).toMatch(/^cli-jti-1 {2}until /m);
    // One bucket of 10 for the key across both processes: 14 requests, alternating, see 429s
    // (each process alone would have let all 14 through: 7 each).
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push(await me(apis[i % 2]!, apiKeyOf('limited')));
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
  }, 40_000);
});
