/**
 * The spool publisher against the real ingest tier (aedes endpoint, Redis, chDB): nothing
 * handed over is lost or stored twice when ingest is down at first, when the gateway
 * restarts with unacked messages, or when acks do not come.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHit } from '../../contracts/testkit.js';
import { silentLogger } from '../../contracts/log.js';
import { topics } from '../../contracts/topics.js';
import { encodeAck } from '../../contracts/ack.js';
import {
  cameraId,
  count,
  gatewayId,
  gatewayPassword,
  type Harness,
  startHarness,
  until,
} from '../../ingest/testkit.js';
import { openDiskSpool } from './disk-spool.js';
import { SpoolPublisher } from './publisher.js';
import { freePort } from '../../contracts/net.js';

const GW = gatewayId(0);
const log = silentLogger();

const hitsFor = (n: number) =>
  Array.from({ length: n }, () => makeHit({ gateway: GW, camera: cameraId(0, 0) }));

describe('spool publisher → ingest', () => {
  let h: Harness | undefined;
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(async () => h?.close());

  it('spools while ingest is down, delivers after it starts and after a gateway restart; each hit stored once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-pub-'));
    const url = `mqtt://127.0.0.1:${port}`;
    const opts = {
      gateway: GW,
      url,
      password: gatewayPassword(GW),
      flushMs: 50,
      ackTimeoutMs: 2_000,
      log,
      mqtt: { reconnectPeriod: 200 },
    };
    const a = SpoolPublisher.start({ ...opts, spool: await openDiskSpool({ dir, maxBytes: 64 << 20 }) });
    const first = hitsFor(300);
    for (const x of first) a.addHit(x);
    await a.flush();
    expect(a.stats().spooled).toBeGreaterThan(0);
    // The gateway dies with everything unacked; a new process opens the same spool.
    a.kill();
    h = await startHarness(
      { gateways: 1, camerasPerGateway: 1, ingest: { bundleMaxMs: 20 } },
      { mqtt: { mode: 'embedded', host: '127.0.0.1', port } },
    );
    const b = SpoolPublisher.start({ ...opts, spool: await openDiskSpool({ dir, maxBytes: 64 << 20 }) });
    const second = hitsFor(700);
    for (const [i, x] of second.entries()) {
      b.addHit(x);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(await until(async () => b.drained(), 15_000)).toBe(true);
    const all = [...first, ...second].map((x) => x.id);
    // Acked means held in Redis; the worker stores it shortly after.
    const q = 'SELECT count() AS n FROM hits WHERE id IN {ids:Array(String)}';
    expect(await until(async () => (await count(h!.store, q, { ids: all })) >= 1000, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await h.store.query<{ n: string; u: string }>(
      'SELECT count() AS n, uniqExact(id) AS u FROM hits WHERE id IN {ids:Array(String)}',
      { ids: all },
    );
    expect(rows[0]).toEqual({ n: 1000, u: 1000 });
    expect(b.stats()).toMatchObject({ spooled: 0, droppedHits: 0 });
    await b.close();
    expect(await count(h.store, 'SELECT count() AS n FROM quarantine')).toBe(0);
  }, 60_000);
});

describe('spool publisher timeouts', () => {
  it('resends what is not acked within the timeout, in order, and deletes on ack', async () => {
    const broker = await Aedes.createBroker();
    const seen: string[] = [];
    broker.on('publish', (p, client) => {
      if (client && p.topic.endsWith('/hits'))
        seen.push((JSON.parse(p.payload.toString()) as { msgId: string }).msgId);
    });
    const server = createServer(broker.handle as (s: import('node:net').Socket) => void);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    const spool = await openDiskSpool({ dir: mkdtempSync(join(tmpdir(), 'xl-pub-')), maxBytes: 1 << 20 });
    const p = SpoolPublisher.start({ gateway: GW, url, spool, flushMs: 20, ackTimeoutMs: 200, log });
    for (const x of hitsFor(3)) {
      p.addHit(x);
      await p.flush();
    }
    const ids = spool.entries().map((e) => e.id);
    expect(ids).toHaveLength(3);
    expect(await until(() => seen.length >= 6, 3_000)).toBe(true);
    expect(seen.slice(0, 6)).toEqual([...ids, ...ids]); // first sends, then resends in order
    expect(p.stats().resent).toBeGreaterThanOrEqual(3);
    await new Promise<void>((r) =>
      broker.publish(
        {
          cmd: 'publish',
          topic: topics.ack(GW),
          payload: encodeAck(ids.slice(0, 2)),
          qos: 1,
          retain: false,
          dup: false,
        },
        () => r(),
      ),
    );
    expect(await until(() => spool.entries().length === 1)).toBe(true);
    expect(spool.entries()[0]?.id).toBe(ids[2]);
    await p.close();
    await new Promise<void>((r) => broker.close(() => r()));
    server.close();
  }, 20_000);

  it('waits for acks slower than the timeout once it has measured them, instead of resending everything', async () => {
    const broker = await Aedes.createBroker();
    const ack = (id: string) =>
      broker.publish(
        {
          cmd: 'publish',
          topic: topics.ack(GW),
          payload: encodeAck([id]),
          qos: 1,
          retain: false,
          dup: false,
        },
        () => undefined,
      );
    // An ingest that is slow but keeps up: every copy is acked 350 ms after it arrives.
    broker.on('publish', (p, client) => {
      if (client && p.topic.endsWith('/hits')) {
        const id = (JSON.parse(p.payload.toString()) as { msgId: string }).msgId;
        setTimeout(() => ack(id), 350);
      }
    });
    const server = createServer(broker.handle as (s: import('node:net').Socket) => void);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    const spool = await openDiskSpool({ dir: mkdtempSync(join(tmpdir(), 'xl-pub-')), maxBytes: 1 << 20 });
    const p = SpoolPublisher.start({ gateway: GW, url, spool, flushMs: 20, ackTimeoutMs: 200, log });
    const send = async (n: number, gapMs: number) => {
      for (const x of hitsFor(n)) {
        p.addHit(x);
        await p.flush();
        await new Promise((r) => setTimeout(r, gapMs));
      }
    };
    await send(3, 20);
    expect(await until(() => spool.entries().length === 0, 5_000)).toBe(true);
    const before = p.stats().resent;
    expect(p.stats().ackWaitMs).toBeGreaterThan(350);
    await send(10, 60);
    expect(await until(() => spool.entries().length === 0, 5_000)).toBe(true);
    // With a fixed 200 ms timeout each of the ten was sent twice.
    expect(p.stats().resent - before).toBe(0);
    expect(p.stats().acked).toBe(13);
    await p.close();
    await new Promise<void>((r) => broker.close(() => r()));
    server.close();
  }, 20_000);
});
