/**
 * Broker mode (docs/architecture.md#no-loss-chain step 2): ingest subscribes to an existing broker (Mosquitto, EMQX)
 * with a persistent session and a shared subscription (`$share/ingest/…`), so several
 * ingest nodes split the load and a restarted node gets what the broker held for it. The
 * broker's PUBACK is not durability (Mosquitto drops past 1,000 queued messages per client
 * and saves state every 30 minutes); the end-to-end ack on `…/ack` is, so messages are
 * handled without holding up the MQTT flow — mqtt.js manual acks awaited one at a time
 * managed only ~2,700 messages/s (docs/architecture.md#no-loss-chain).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import type { TlsPem } from '../contracts/tls.js';
import { reconnectBackoff } from '../contracts/mqtt-backoff.js';
import type { Logger } from '../contracts/log.js';
import { endMqtt } from '../contracts/within.js';
import { topics } from '../contracts/topics.js';
import type { HandleFn } from './endpoint.js';

export interface SubscriberOptions {
  url: string;
  username?: string;
  password?: string;
  /**
   * A stable id (mqtt.clientId in city.yaml) keeps a persistent session across restarts; without
   * one the id is unique per process (two receivers on one host must not share a session: the
   * broker would disconnect one whenever the other connects) and the session is clean.
   */
  clientId?: string;
  /** `mqtts://`: the broker's CA and ingest's client certificate. */
  tls?: TlsPem;
  /** `$share/ingest/` prefix (default true; Mosquitto ≥ 2 and EMQX support it). */
  shared?: boolean;
  log: Logger;
  handle: HandleFn;
}

export interface Subscriber {
  url: string;
  connected(): boolean;
  publish(topic: string, payload: Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function startSubscriber(o: SubscriberOptions): Promise<Subscriber> {
  const share = o.shared === false ? '' : '$share/ingest/';
  if (!o.clientId) await dropLegacySession(o);
  const client: MqttClient = await mqtt.connectAsync(o.url, {
    clientId: o.clientId ?? processClientId(),
    clean: !o.clientId,
    protocolVersion: 4,
    reconnectPeriod: 500,
    connectTimeout: 10_000,
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
    ...(o.tls ? { ...o.tls, rejectUnauthorized: true } : {}),
  });
  reconnectBackoff(client, { baseMs: 500, log: o.log, what: 'broker' });
  const subscribe = () =>
    client
      .subscribeAsync({
        [`${share}${topics.allHits}`]: { qos: 1 },
        [`${share}${topics.allSnapshots}`]: { qos: 1 },
        [`${share}${topics.allSensors}`]: { qos: 1 },
      })
      .catch((e: unknown) => o.log.error({ err: String(e) }, 'subscribe failed'));
  await subscribe();
  client.on('connect', (ack) => {
    o.log.info({ url: o.url, sessionPresent: ack.sessionPresent }, 'broker connected');
    if (!ack.sessionPresent) void subscribe();
  });
  client.on('offline', () => o.log.warn({ url: o.url }, 'broker offline; reconnecting'));
  client.on('message', (topic, payload) => {
    o.handle(undefined, topic, payload).catch((e: unknown) =>
      // Not acked end to end: the gateway resends after its timeout.
      o.log.warn({ topic: topic.slice(0, 120), err: String(e) }, 'message not queued'),
    );
  });
  o.log.info({ url: o.url, shared: share !== '' }, 'subscribed to the broker');
  return {
    url: o.url,
    connected: () => client.connected,
    publish: async (topic, payload) => {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    close: () => endMqtt(client),
  };
}

/** `xl-ingest-<host>-<pid>-<random>`: unique per process, within MQTT 3.1.1's usual 64 characters. */
export function processClientId(host = hostname(), pid = process.pid): string {
  const tail = `-${pid}-${randomBytes(3).toString('hex')}`;
  return `xl-ingest-${host.replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 64 - tail.length) + tail;
}

/**
 * Earlier versions subscribed as `xl-ingest-<host>` with a persistent session. Mosquitto keeps
 * handing an offline persistent member its share of `$share/ingest/…`, so after an upgrade that
 * session would sit on messages until it expires (the gateways resend them after their ack
 * timeout: delayed, not lost). Connecting once with that id and a clean session drops it.
 */
async function dropLegacySession(o: SubscriberOptions): Promise<void> {
  const legacy = await mqtt
    .connectAsync(
      o.url,
      {
        clientId: `xl-ingest-${hostname()}`.slice(0, 64),
        clean: true,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        ...(o.username ? { username: o.username } : {}),
        ...(o.password ? { password: o.password } : {}),
        ...(o.tls ? { ...o.tls, rejectUnauthorized: true } : {}),
      },
      false,
    )
    .catch(() => undefined); // the real connection reports what is wrong
  await legacy?.endAsync().catch(() => undefined);
}
