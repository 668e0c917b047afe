/**
 * Replays the hostile-input corpus (bin/security/corpus/*.json, format in its README.md)
 * against `xueliang up` in closed mode: every MQTT entry must end as its expected quarantine
 * rows, a closed connection, or stored hits; every HTTP entry must get its expected status
 * with an `API_…` code, and never a 500. Add an entry whenever a new kind of bad input turns up.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnvelope } from '../../contracts/testkit.js';
import type { Hit } from '../../contracts/hit.js';
import { topics } from '../../contracts/topics.js';
import { GATEWAYS, type SecurityStack, startSecurityStack, until } from './harness.js';

const DIR = join(import.meta.dirname, 'corpus');
const GW = GATEWAYS.xihu;
const HOUR = 3_600_000;

interface Repeat {
  before?: string;
  open: string;
  close: string;
  times: number;
  middle?: string;
  after?: string;
}
interface PayloadSpec {
  text?: string;
  base64?: string;
  envelope?: { v?: number; gateway?: string; hits: Array<Record<string, unknown>> };
  repeat?: Repeat;
  fill?: { byte: number; bytes: number };
}
interface MqttEntry {
  name: string;
  topic: string;
  payload: PayloadSpec;
  expect: { quarantine: string[] } | 'disconnect' | 'stored';
}
interface HttpEntry {
  name: string;
  as: string;
  method?: string;
  path: string;
  body?: Record<string, unknown>;
  rawBody?: { text?: string } & Partial<Repeat>;
  expect: number | number[];
}

const repeat = (r: Repeat) =>
  `${r.before ?? ''}${r.open.repeat(r.times)}${r.middle ?? ''}${r.close.repeat(r.times)}${r.after ?? ''}`;

/** `@now`, `@now+365d`, `@now-1h` → epoch ms; other values unchanged. */
function timeValue(v: unknown, nowMs: number): unknown {
  if (typeof v !== 'string') return v;
  const m = /^@now(?:([+-])(\d+)([hd]))?$/.exec(v);
  if (!m) return v;
  if (!m[1]) return nowMs;
  const ms = Number(m[2]) * (m[3] === 'h' ? HOUR : 24 * HOUR);
  return m[1] === '+' ? nowMs + ms : nowMs - ms;
}

function deepTimes(o: Record<string, unknown>, nowMs: number): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [
      k,
      v && typeof v === 'object' && !Array.isArray(v)
        ? deepTimes(v as Record<string, unknown>, nowMs)
        : timeValue(v, nowMs),
    ]),
  );
}

describe('hostile-input corpus (bin/security/corpus)', () => {
  let s: SecurityStack;
  let xihuCase = '';
  const mqttCorpus = JSON.parse(readFileSync(join(DIR, 'mqtt.json'), 'utf8')) as { entries: MqttEntry[] };
  const httpCorpus = JSON.parse(readFileSync(join(DIR, 'http.json'), 'utf8')) as { entries: HttpEntry[] };
  const quarantined = async (reason: string): Promise<number> => {
    const now = Date.now();
    const r = await s.api(
      'admin',
      `/quarantine?from=${now - HOUR}&to=${now + HOUR}&gateway=${GW}&reason=${reason}&limit=1000`,
    );
    return (r.body.items ?? []).length;
  };

  beforeAll(async () => {
    s = await startSecurityStack();
    for (const who of ['admin', 'xihu', 'gongshu', 'member', 'viewer'] as const)
      expect((await s.api(who, '/me')).status).toBe(200);
    xihuCase = (await s.api('xihu', '/cases', { method: 'POST', body: { title: 'corpus', kind: 'other' } }))
      .body.id;
  }, 180_000);
  afterAll(async () => s?.close(), 60_000);

  function payloadOf(p: PayloadSpec, msgId: string, hits: Hit[]): Buffer {
    const fill = (t: string) => t.replaceAll('@msgId', msgId).replaceAll('@gateway', GW);
    if (p.text !== undefined) return Buffer.from(fill(p.text));
    if (p.base64 !== undefined) return Buffer.from(p.base64, 'base64');
    if (p.repeat) return Buffer.from(fill(repeat(p.repeat)));
    if (p.fill) return Buffer.alloc(p.fill.bytes, p.fill.byte);
    const e = p.envelope!;
    return Buffer.from(
      JSON.stringify({
        ...makeEnvelope(hits, { gateway: GW, msgId }),
        ...(e.v !== undefined ? { v: e.v } : {}),
        ...(e.gateway ? { gateway: e.gateway } : {}),
      }),
    );
  }

  it('MQTT: every entry ends as expected and the endpoint stays up', async () => {
    expect(mqttCorpus.entries.length).toBeGreaterThanOrEqual(25);
    for (const entry of mqttCorpus.entries) {
      const nowMs = Date.now();
      const msgId = ulid();
      const hits = (entry.payload.envelope?.hits ?? []).map(
        (o) => ({ ...s.hit('xihu'), ...deepTimes(o, nowMs) }) as Hit,
      );
      const topic =
        entry.topic === 'hits'
          ? topics.hits(GW)
          : entry.topic === 'snapshot'
            ? topics.snapshot(GW, ulid())
            : entry.topic === 'status'
              ? topics.status(GW)
              : entry.topic;
      const want = entry.expect;
      const before: Record<string, number> = {};
      if (typeof want === 'object')
        for (const r of new Set(want.quarantine)) before[r] = await quarantined(r);
      const gw: MqttClient = await s.gateway(GW);
      let closed = false;
      gw.on('close', () => {
        closed = true;
      });
      const result = await new Promise<string>((resolve) => {
        gw.publishAsync(topic, payloadOf(entry.payload, msgId, hits), { qos: 1 }).then(
          () => resolve('acked'),
          () => resolve('failed'),
        );
        gw.once('close', () => resolve('closed'));
        setTimeout(() => resolve('timeout'), 20_000).unref();
      });
      if (want === 'disconnect') {
        expect([entry.name, result === 'acked', await until(() => closed, 5000)]).toEqual([
          entry.name,
          false,
          true,
        ]);
        continue;
      }
      expect([entry.name, result]).toEqual([entry.name, 'acked']);
      gw.end(true);
      if (want === 'stored') {
        for (const h of hits)
          expect([
            entry.name,
            await until(async () => (await s.api('admin', `/hits/${h.id}`)).status === 200),
          ]).toEqual([entry.name, true]);
        continue;
      }
      const need: Record<string, number> = {};
      for (const r of want.quarantine) need[r] = (need[r] ?? 0) + 1;
      for (const [r, n] of Object.entries(need)) {
        const got = await until(async () => ((await quarantined(r)) >= before[r]! + n ? n : 0));
        expect([entry.name, r, got]).toEqual([entry.name, r, n]);
      }
    }
    // Still serving after all of it.
    const good = s.hit('xihu');
    await s.publishHits(await s.gateway(GW), GW, [good]);
    expect(await until(async () => (await s.api('admin', `/hits/${good.id}`)).status === 200)).toBe(true);
  }, 240_000);

  it('HTTP: every entry gets its status with an API_ code, never a 500', async () => {
    expect(httpCorpus.entries.length).toBeGreaterThanOrEqual(25);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const creds: Record<string, string | undefined> = {
      none: undefined,
      unknown: `xl_${randomBytes(32).toString('base64url')}`,
      'unknown-id': `xl~nobody~${randomBytes(32).toString('base64url')}`,
      'jwt-none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', role: 'admin', org: 'hz', iat: 1, exp: 9e9 })}.`,
    };
    for (const entry of httpCorpus.entries) {
      const now = Date.now();
      const fill = (t: string) =>
        t
          .replaceAll('@hourAgo', String(now - HOUR))
          .replaceAll('@now', String(now))
          .replaceAll('@xihuCase', xihuCase)
          .replaceAll('@long', 'A'.repeat(10_000));
      const key = entry.as in creds ? creds[entry.as] : s.keys[entry.as as keyof typeof s.keys];
      let body: string | undefined;
      if (entry.body) body = fill(JSON.stringify(entry.body));
      else if (entry.rawBody?.text !== undefined) body = entry.rawBody.text;
      else if (entry.rawBody) body = repeat(entry.rawBody as Repeat);
      const res = await fetch(`${s.up.apiUrl}/api/v1${fill(entry.path)}`, {
        method: entry.method ?? 'GET',
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      const allowed = Array.isArray(entry.expect) ? entry.expect : [entry.expect];
      expect([entry.name, allowed.includes(res.status) ? 'ok' : res.status]).toEqual([entry.name, 'ok']);
      if (res.status !== 414)
        expect([entry.name, /"code":"API_[A-Z_]+"/.test(text)]).toEqual([entry.name, true]);
    }
    expect((await fetch(`${s.up.apiUrl}/healthz`)).status).toBeLessThan(500);
  }, 120_000);
});
