/**
 * The spool publisher after the endpoint restarts with messages in flight: it subscribes to its
 * acks and resends everything unacked at once, not one message per PUBACK. mqtt.js on its own
 * resends its unacknowledged publishes one at a time, each after the previous one's PUBACK, and
 * holds back everything else meanwhile; the embedded endpoint PUBACKs only once a message is in
 * Redis, so that held a gateway for 5–9 s in bench:faults (docs/ingest.md#fault-runs).
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../contracts/log.js';
import { freePort } from '../../contracts/net.js';
import { makeHit } from '../../contracts/testkit.js';
import { topics } from '../../contracts/topics.js';
import { until } from '../../ingest/testkit.js';
import { openDiskSpool } from './disk-spool.js';
import { SpoolPublisher } from './publisher.js';

const GW = 'gw-reconnect';

/** An MQTT endpoint that never PUBACKs (the publish waits in authorizePublish); records what came. */
async function holdingEndpoint(port: number) {
  const seen: string[] = [];
  const subscribed: string[] = [];
  const broker = await Aedes.createBroker({
    authorizePublish(client, packet, _done) {
      if (client && packet.topic.endsWith('/hits'))
        seen.push((JSON.parse(packet.payload.toString()) as { msgId: string }).msgId);
    },
  });
  broker.on('subscribe', (subs) => {
    for (const s of subs) subscribed.push(s.topic);
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    (broker.handle as (s: Socket) => void)(s);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    seen,
    subscribed,
    /** Gone at once, as a killed process: sockets reset, nothing acked. */
    kill: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      broker.close();
    },
  };
}

describe('spool publisher after an endpoint restart', () => {
  it('subscribes and resends every unacked message at once, without a PUBACK per message', async () => {
    const port = await freePort();
    const first = await holdingEndpoint(port);
    const spool = await openDiskSpool({ dir: mkdtempSync(join(tmpdir(), 'xl-pub-')), maxBytes: 1 << 20 });
    const p = SpoolPublisher.start({
      gateway: GW,
      url: `mqtt://127.0.0.1:${port}`,
      spool,
      flushMs: 20,
      ackTimeoutMs: 60_000,
      log: silentLogger(),
      mqtt: { reconnectPeriod: 100 },
    });
    for (let i = 0; i < 6; i++) {
      p.addHit(makeHit({ gateway: GW, camera: 'cam-1' }));
      await p.flush();
    }
    const ids = spool.entries().map((e) => e.id);
    expect(ids).toHaveLength(6);
    // All six in flight, none acked (no PUBACK, no ack message); up to 15 s: under the whole
    // suite's load one fresh-clone run did not see all six within 5 s (alone: well under 1 s).
    expect(await until(() => first.seen.length >= 6, 15_000)).toBe(true);
    await first.kill();
    const second = await holdingEndpoint(port);
    // The new endpoint PUBACKs nothing: a resend that waited for one would stop at the first.
    expect(await until(() => ids.every((id) => second.seen.includes(id)), 5_000)).toBe(true);
    expect(second.subscribed).toContain(topics.ack(GW));
    p.kill();
    await second.kill();
  }, 30_000);
});
