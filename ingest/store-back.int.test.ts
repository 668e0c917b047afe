/**
 * A store outage ends (ingest/store-back.ts): the jobs that failed during it are retried as soon
 * as a job is stored again, not after their backoff. Real parts: embedded ingest (receiver and
 * worker), Redis, chDB; the store's inserts fail while `down` is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../analytics/store.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { topics } from '../contracts/topics.js';
import { StoreBackWatch } from './store-back.js';
import { cameraId, connectGateway, count, gatewayId, type Harness, startHarness, until } from './testkit.js';

describe('StoreBackWatch', () => {
  it('says "back" only for a stored job after a run of failures', () => {
    const w = new StoreBackWatch(3);
    w.failed();
    w.failed();
    expect(w.stored()).toBe(false); // two failures: not an outage
    for (let i = 0; i < 3; i++) w.failed();
    expect(w.stored()).toBe(true);
    expect(w.stored()).toBe(false); // once per run
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('store back after an outage', () => {
  it('retries the failed jobs at once, long before their backoff', async () => {
    let down = true;
    const fail = () => Promise.reject(new Error('injected: store unavailable'));
    // A 30 s first backoff: without the promotion nothing failed would be stored within the test.
    h = await startHarness(
      { gateways: 1, camerasPerGateway: 1, ingest: { backoffMs: 30_000, attempts: 5, bundleMaxMs: 20 } },
      {
        wrapStore: (s: Store): Store => ({
          ...s,
          insert: (t, r, o) => (down ? fail() : s.insert(t, r, o)),
          insertBlock: (t, b, o) => (down ? fail() : s.insertBlock(t, b, o)),
        }),
      },
    );
    const GW = gatewayId(0);
    const gw = await connectGateway(h.ingest.mqttUrl, GW);
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const e = makeEnvelope([makeHit({ gateway: GW, camera: cameraId(0, 0) })]);
        await gw.publishAsync(topics.hits(GW), JSON.stringify(e), { qos: 1 });
        await new Promise((r) => setTimeout(r, 60)); // one bundle (job) each
      }
    };
    await send(6);
    // Every job failed once and waits out its 30 s backoff.
    expect(await until(() => h!.ingest.stats().retries >= 3, 15_000)).toBe(true);
    down = false;
    await send(1); // stored: the store is back
    const stored = () => count(h!.store, 'SELECT count() AS n FROM hits');
    expect(await until(async () => (await stored()) === 7, 10_000, 100)).toBe(true);
    await gw.endAsync();
  });
});
