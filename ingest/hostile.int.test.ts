/**
 * Closed by default (docs/ingest.md): a corpus of hostile messages mixed with valid ones through
 * the real path (aedes endpoint → Redis → worker → chDB). Every valid hit is stored, every
 * bad one is quarantined with a reason, the process stays up and keeps taking hits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import type { Hit } from '../contracts/hit.js';
import { topics } from '../contracts/topics.js';
import { parseAck } from '../contracts/ack.js';
import { cameraId, connectGateway, count, gatewayId, type Harness, startHarness, until } from './testkit.js';

let h: Harness;
const GW = gatewayId(0);
const OTHER = gatewayId(1);
const CAM = cameraId(0, 0);

beforeAll(async () => {
  h = await startHarness({ gateways: 2, camerasPerGateway: 2, ingest: { bundleMaxMs: 50 } });
});
afterAll(async () => h?.close());

const hit = (over: Partial<Hit> = {}): Hit => makeHit({ gateway: GW, camera: CAM, ...over });
const env = (hits: unknown[], over: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ ...makeEnvelope([], { gateway: GW }), hits, ...over }));

describe('hostile input', () => {
  it('stores every valid hit, quarantines every bad one with its reason, stays up', async () => {
    const valid: Hit[] = [];
    const ok = (over: Partial<Hit> = {}) => {
      const x = hit(over);
      valid.push(x);
      return x;
    };
    const good = () =>
      env([
        ok(),
        ok({ camera: cameraId(0, 1), type: 'person', label: 'person', attrs: { upperColor: 'red' } }),
      ]);
    // Only used as the text that hostile variants are made of: none of its hits count as valid.
    const validEnvelopeText = env([hit(), hit()]).toString();
    // [payload, expected reasons] on the gateway's own hits topic.
    const corpus: Array<[Buffer, string[]]> = [
      [Buffer.from(validEnvelopeText.slice(0, validEnvelopeText.length / 2)), ['INGEST_BAD_JSON']],
      // Nesting deeper than contracts/validate.ts MAX_JSON_DEPTH refuses the whole message.
      [Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), ['INGEST_BAD_JSON']],
      [
        env([{ ...hit(), attrs: JSON.parse(`${'{"a":'.repeat(500)}1${'}'.repeat(500)}`) }]),
        ['INGEST_BAD_JSON'],
      ],
      [env([{ ...hit(), attrs: { a: { b: 1 } } }]), ['INGEST_BAD_HIT']],
      [Buffer.alloc(10 * 1024 * 1024, 0x7b), ['INGEST_OVERSIZE']],
      [
        env([
          { ...hit(), score: '0.9' },
          { ...hit(), box: 'everywhere' },
          { ...hit(), tsMs: 1.5 },
        ]),
        ['INGEST_BAD_HIT', 'INGEST_BAD_HIT', 'INGEST_BAD_HIT'],
      ],
      [Buffer.from(validEnvelopeText.replace('"score":0.88', '"score":NaN')), ['INGEST_BAD_JSON']],
      [
        env([
          { ...hit(), box: [-0.1, 0.2, 0.3, 0.4] },
          { ...hit(), box: [0.5, 0.5, 0.4, 0.6] },
          { ...hit(), score: 1e308 * 10 },
        ]),
        ['INGEST_BAD_HIT', 'INGEST_BAD_HIT', 'INGEST_BAD_HIT'],
      ],
      [env([hit()], { v: 2 }), ['INGEST_BAD_VERSION']],
      [env([ok(), { ...hit(), v: 2 }]), ['INGEST_BAD_VERSION']],
      [
        env([ok(), hit({ camera: cameraId(1, 0) }), hit({ camera: 'cam-nowhere' })]),
        ['INGEST_UNKNOWN_CAMERA', 'INGEST_UNKNOWN_CAMERA'],
      ],
      [env([ok(), hit({ gateway: OTHER })]), ['INGEST_WRONG_GATEWAY']],
      [env([hit()], { gateway: OTHER }), ['INGEST_WRONG_GATEWAY']],
      [
        Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x81, 0x0d, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28]),
        ['INGEST_BAD_JSON'],
      ],
      [
        env([
          ok(),
          { ...hit(), label: 'car\u202Eevil' },
          { ...hit(), camera: 'cam\u200B-000-0' },
          { ...hit(), gateway: 'gw-\u0430\u0430\u0430' },
          { ...hit(), attrs: { plate: '浙'.repeat(40) } },
          { ...hit(), __proto__: { admin: true }, constructor: 'x' },
        ]),
        ['INGEST_BAD_HIT', 'INGEST_BAD_HIT', 'INGEST_BAD_HIT', 'INGEST_BAD_HIT', 'INGEST_BAD_HIT'],
      ],
      [Buffer.from(`\uFEFF${validEnvelopeText}`), ['INGEST_BAD_JSON']],
      [Buffer.from('null'), ['INGEST_BAD_ENVELOPE']],
      [
        Buffer.from('{"v":1,"msgId":"x","gateway":"gw-000","sentMs":1,"hits":{"length":5}}'),
        ['INGEST_BAD_ENVELOPE'],
      ],
    ];
    const gw = await connectGateway(h.ingest.mqttUrl, GW);
    const acked = new Set<string>();
    await gw.subscribeAsync(topics.ack(GW), { qos: 1 });
    gw.on('message', (_t, p) => {
      for (const id of parseAck(p) ?? []) acked.add(id);
    });
    let expectedQ = 0;
    const reasons: Record<string, number> = {};
    for (const [payload, want] of corpus) {
      await gw.publishAsync(topics.hits(GW), good(), { qos: 1 });
      await gw.publishAsync(topics.hits(GW), payload, { qos: 1 });
      expectedQ += want.length;
      for (const r of want) reasons[r] = (reasons[r] ?? 0) + 1;
    }
    // Snapshots: a JPEG is stored, garbage and oversize are quarantined.
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(1000, 7)]);
    await gw.publishAsync(topics.snapshot(GW, 'snap-ok-1'), jpeg, { qos: 1 });
    await gw.publishAsync(topics.snapshot(GW, 'snap-bad-1'), Buffer.from('not a jpeg'), { qos: 1 });
    await gw.publishAsync(
      topics.snapshot(GW, 'snap-big-1'),
      Buffer.concat([jpeg, Buffer.alloc(600 * 1024)]),
      { qos: 1 },
    );
    reasons.INGEST_BAD_SNAPSHOT = 1;
    reasons.INGEST_OVERSIZE = (reasons.INGEST_OVERSIZE ?? 0) + 1;
    expectedQ += 2;
    // Status: a valid document is kept for /cameras, a bad one quarantined, the last will kept.
    const status = { v: 1, gateway: GW, state: 'online', tsMs: Date.now(), cameras: {} };
    await gw.publishAsync(topics.status(GW), Buffer.from('{"v":1,"gateway":'), { qos: 1, retain: true });
    await gw.publishAsync(topics.status(GW), Buffer.from(JSON.stringify(status)), { qos: 1, retain: true });
    reasons.INGEST_BAD_STATUS = 1;
    expectedQ += 1;
    expect((await h.ingest.gatewayStatus()).get(GW)).toMatchObject({
      ...status,
      receivedMs: expect.any(Number),
    });
    await gw.publishAsync(topics.status(GW), Buffer.from('offline'), { qos: 1, retain: true });
    expect((await h.ingest.gatewayStatus()).get(GW)).toMatchObject({ state: 'offline' });

    // Every PUBACK above came back, so all of it is in Redis; wait for the store.
    const landed = await until(
      async () =>
        (await count(h.store, 'SELECT count() AS n FROM hits')) >= valid.length &&
        (await count(h.store, 'SELECT count() AS n FROM quarantine')) >= expectedQ,
      20_000,
    );
    if (!landed) console.error(h.ingest.stats(), valid.length, expectedQ, await h.ingest.deadLetters());
    expect(landed).toBe(true);
    const ids = (await h.store.query<{ id: string }>('SELECT id FROM hits')).map((r) => r.id).sort();
    expect(ids).toEqual(valid.map((x) => x.id).sort());
    const q = await h.store.query<{ reason: string; n: string }>(
      'SELECT reason, count() AS n FROM quarantine GROUP BY reason',
    );
    expect(Object.fromEntries(q.map((r) => [r.reason, Number(r.n)]))).toEqual(reasons);
    // Raw bytes are kept, truncated; the size is recorded.
    const big = await h.store.query<{ raw: string; raw_bytes: number }>(
      "SELECT raw, raw_bytes FROM quarantine WHERE reason = 'INGEST_OVERSIZE' AND topic LIKE '%/hits'",
    );
    expect(Number(big[0]?.raw_bytes)).toBe(10 * 1024 * 1024);
    expect(big[0]?.raw.length).toBeLessThanOrEqual(h.config.ingest.quarantineRawBytes);
    const snaps = await h.store.query<{ id: string; b: string }>(
      'SELECT id, base64Decode(jpeg_base64) = {j:String} AS b FROM snapshots',
      { j: jpeg.toString('latin1') },
    );
    expect(snaps.map((s) => s.id)).toEqual(['snap-ok-1']);
    // Grid and org path come from city.yaml.
    const placed = await h.store.query<{ grid: string; org_path: string[] }>(
      'SELECT grid, org_path FROM hits LIMIT 1',
    );
    expect(placed[0]).toEqual({ grid: 'grid-0', org_path: ['city', 'county', 'grid-0'] });
    // Valid envelopes and snapshots are acked end to end.
    expect(await until(() => acked.has('snap-ok-1'), 5_000)).toBe(true);
    const stats = h.ingest.stats();
    expect(stats.stored).toBe(valid.length);
    expect(Object.values(stats.rejected).reduce((a, b) => a + (b ?? 0), 0)).toBe(expectedQ);
    expect(await h.registry.getSingleMetricAsString('xueliang_ingest_rejected_total')).toMatch(
      /reason="INGEST_BAD_JSON"\} [1-9]/,
    );
    await gw.endAsync();
  }, 60_000);

  it('refuses unknown gateways and wrong passwords; publishing outside the prefix disconnects and is quarantined', async () => {
    await expect(connectGateway(h.ingest.mqttUrl, 'gw-intruder')).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    await expect(connectGateway(h.ingest.mqttUrl, GW, { password: 'wrong' })).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    const before = await count(
      h.store,
      "SELECT count() AS n FROM quarantine WHERE reason = 'INGEST_OUTSIDE_PREFIX'",
    );
    const gw = await connectGateway(h.ingest.mqttUrl, GW);
    const closed = new Promise<void>((r) => gw.once('close', () => r()));
    gw.publish(
      topics.hits(OTHER),
      env([hit({ gateway: OTHER, camera: cameraId(1, 0) })], { gateway: OTHER }),
      { qos: 1 },
    );
    await closed;
    expect(
      await until(
        async () =>
          (await count(
            h.store,
            "SELECT count() AS n FROM quarantine WHERE reason = 'INGEST_OUTSIDE_PREFIX'",
          )) ===
          before + 1,
      ),
    ).toBe(true);
    gw.end(true);
    // A gateway may not subscribe to another gateway's acks (granted QoS 128).
    const spy = await connectGateway(h.ingest.mqttUrl, GW);
    await expect(spy.subscribeAsync(topics.ack(OTHER), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await spy.endAsync();
    expect(await h.ingest.health()).toMatchObject({ redis: true, mqtt: true, workers: true });
  }, 30_000);
});
