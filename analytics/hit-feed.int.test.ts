/**
 * The live hit feed through a real Redis (analytics/hit-feed.ts): what a worker publishes
 * reaches every subscribed process, with the org path jurisdiction is filtered on, in chunks;
 * nothing is serialised while nobody listens; a foreign message on the channel is dropped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { makeHit } from '../contracts/testkit.js';
import { silentLogger } from '../contracts/log.js';
import { TEST_REDIS_URL, until } from '../ingest/testkit.js';
import { hitFeedChannel, HitFeedPublisher, HitFeedSubscriber, type PlacedHit } from './hit-feed.js';
import { hitToRow } from './hit-rows.js';
import { redisConnection } from './redis.js';

const prefix = `xltest-${ulid().toLowerCase()}`;
const log = silentLogger();
const conns: ReturnType<typeof redisConnection>[] = [];
const conn = () => {
  const c = redisConnection(TEST_REDIS_URL, log);
  conns.push(c);
  return c;
};
afterAll(() => {
  for (const c of conns) c.disconnect();
});

describe('hit feed', () => {
  it('publishes nothing while nobody listens, then reaches every subscriber', async () => {
    const pub = new HitFeedPublisher(conn(), prefix, log, 100);
    try {
      const rows = Array.from({ length: 2500 }, (_, i) =>
        hitToRow(makeHit({ camera: `cam-${i % 2}` }), { grid: 'g', orgPath: ['city', `org-${i % 2}`] }),
      );
      await new Promise((r) => setTimeout(r, 250));
      pub.publish(rows);
      expect(pub.published).toBe(0);
      const subs = [new HitFeedSubscriber(conn(), prefix), new HitFeedSubscriber(conn(), prefix)];
      const got: PlacedHit[][] = [[], []];
      for (const [i, s] of subs.entries()) {
        await s.start();
        s.subscribe((b) => got[i]!.push(...b));
      }
      // The publisher learns within its probe period that someone listens: probe until it does.
      const heard = () => {
        pub.publish(rows.slice(0, 1));
        return got[0]!.length > 0;
      };
      expect(await until(heard, 3000, 150)).toBe(true);
      await new Promise((r) => setTimeout(r, 300)); // the last probes arrive
      got[0]!.length = 0;
      got[1]!.length = 0;
      pub.publish(rows);
      expect(await until(() => got.every((g) => g.length === 2500), 3000)).toBe(true);
      expect(got[1]!.map((p) => p.hit.id)).toEqual(rows.map((r) => r.id));
      expect(got[0]![1]).toMatchObject({ orgPath: ['city', 'org-1'], hit: { camera: 'cam-1' } });
      // A message that is not a feed batch is counted and dropped.
      await conn().publish(hitFeedChannel(prefix), 'not json');
      expect(await until(() => subs[0]!.bad === 1, 2000)).toBe(true);
      for (const s of subs) await s.close();
    } finally {
      pub.close();
    }
  });
});
