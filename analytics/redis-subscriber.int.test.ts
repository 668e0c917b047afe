import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { subscribeWhenReady } from './redis-subscriber.js';

const URL = 'redis://127.0.0.1:6379';
const pub = new Redis(URL);
afterAll(() => pub.disconnect());

/** Subscribes the moment the socket connects (the race window), then publishes once. */
async function deliveredAfterConnect(): Promise<{ got: boolean; errors: string[] }> {
  const sub = new Redis(URL, { maxRetriesPerRequest: 3 });
  const errors: string[] = [];
  sub.on('error', (e) => errors.push(e.message));
  await new Promise((r) => sub.once('connect', r));
  const channel = `xl-test-subscriber:${Math.random()}`;
  await subscribeWhenReady(sub, channel);
  let got = false;
  sub.on('message', () => {
    got = true;
  });
  // Long enough for ioredis to have dropped and re-made a connection that lost its subscription.
  await new Promise((r) => setTimeout(r, 300));
  await pub.publish(channel, 'x');
  await new Promise((r) => setTimeout(r, 100));
  sub.disconnect();
  return { got, errors };
}

describe('subscribeWhenReady', () => {
  it('keeps a subscription made while the connection handshake is under way', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await deliveredAfterConnect();
      expect(r.errors).toEqual([]);
      expect(r.got).toBe(true);
    }
  });
});
