/**
 * The gateway's publisher (docs/architecture.md#edge-agent, #no-loss-chain steps 1 and 5): hits are gathered into envelopes
 * every `flushMs` (or at `maxHitsPerEnvelope`), each envelope and snapshot is written to
 * the spool, then published with QoS 1 on a persistent session. A message leaves the spool
 * only when the ingest tier names it on `xueliang/v1/gw/{gw}/ack`; one not acked in time is sent
 * again (`ackTimeoutMs` at least, longer while the acks come slower: ack-timer.ts), and after a
 * reconnect or restart everything unacked is sent again, oldest first. MQTT 3.1.1 by default: the embedded endpoint (aedes 1.x) refuses 5.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { ulid } from 'ulid';
import { asciiJson } from '../../contracts/ascii-json.js';
import type { Hit } from '../../contracts/hit.js';
import type { SensorEvent, SensorReading } from '../../contracts/sensor.js';
import type { Logger } from '../../contracts/log.js';
import { topics } from '../../contracts/topics.js';
import { endMqtt } from '../../contracts/within.js';
import { parseAck } from '../../contracts/ack.js';
import { type BackoffState, reconnectBackoff } from '../../contracts/mqtt-backoff.js';
import { AckTimer } from './ack-timer.js';
import type { Spool } from './spool.js';

/** A client with no connection attempt for this long is told to reconnect, ms. */
// mqtt.js emits 'reconnect' on every attempt (each reconnectPeriod); only a connect pending
// past connectTimeout (10 s) is silent. A shorter kick made healthy clients flap under load
// (two sockets with one client id take each other over), measured in bench:ingest.
const WATCHDOG_MS = 30_000;
/** A client not connected for this long is replaced by a new one, ms. */
const REPLACE_MS = 60_000;

export interface PublisherOptions {
  gateway: string;
  url: string;
  password?: string;
  spool: Spool;
  /** Hits are sent in envelopes at this interval, ms (gateway.yaml mqtt.flushMs). */
  flushMs: number;
  /**
   * Resend a message not acked within this, ms (gateway.yaml mqtt.ackTimeoutMs): the floor of
   * the wait, which grows with the acks' measured pace and backs off after timeouts (ack-timer.ts).
   */
  ackTimeoutMs: number;
  maxHitsPerEnvelope?: number;
  /**
   * Messages published and not yet acked at once (default 32). Bounds what an overloaded
   * endpoint holds in memory per gateway (it reads what was sent before it can push back):
   * with 256, bench:ingest (200 gateways and ingest in one process, overloaded) grew to 3 GB RSS.
   */
  maxInflight?: number;
  log: Logger;
  registry?: Registry;
  /** Extra mqtt.js options (tests: reconnectPeriod). */
  mqtt?: IClientOptions;
}

export interface PublisherStats {
  /** Messages in the spool (unacked). */
  spooled: number;
  spoolBytes: number;
  /** Hits waiting for the next envelope (in memory, not yet spooled). */
  buffered: number;
  inflight: number;
  published: number;
  resent: number;
  acked: number;
  droppedHits: number;
  droppedSnaps: number;
  connected: boolean;
  /** Age of the oldest unacked message, ms (0 when none): how far behind the acks are. */
  oldestUnackedMs: number;
  /** How long a message now waits for its ack before it is sent again, ms (ack-timer.ts). */
  ackWaitMs: number;
}

export class SpoolPublisher {
  private client: MqttClient;
  /** Refusals (wrong CA, expired certificate, refused password) back off exponentially. */
  private backoff: BackoffState = { code: undefined, failures: 0, delayMs: 1_000 };
  private createdMs = 0;
  private lastConnectedMs = 0;
  /** Hits waiting for the next envelope, each as its JSON text (ASCII only, contracts/ascii-json.ts). */
  private buffer: string[] = [];
  private readonly inflight = new Map<string, number>();
  private readonly st = { published: 0, resent: 0, acked: 0 };
  private readonly everSent = new Set<string>();
  /** Ids sent more than once: their acks are not timed (an ack cannot say which copy it answers). */
  private readonly retried = new Set<string>();
  private readonly ackTimer: AckTimer;
  /** When each unacked message entered the spool (insertion order: oldest first); evicted on ack or drop. */
  private readonly since = new Map<string, number>();
  private flushTimer: NodeJS.Timeout;
  private resendTimer: NodeJS.Timeout;
  private watchdog: NodeJS.Timeout;
  /** Last connection attempt or state change, epoch ms. */
  private lastAttemptMs = Date.now();
  private pumping = false;
  private pumpAgain = false;
  private closed = false;
  private readonly maxInflight: number;
  private readonly maxHits: number;
  private readonly m;

  private constructor(private readonly o: PublisherOptions) {
    this.maxInflight = o.maxInflight ?? 32;
    this.ackTimer = new AckTimer(o.ackTimeoutMs);
    this.maxHits = o.maxHitsPerEnvelope ?? 1_000;
    this.m = o.registry ? metrics(o.registry) : undefined;
    const started = Date.now();
    for (const e of o.spool.entries()) this.since.set(e.id, started);
    this.flushTimer = setInterval(
      () => void this.flush().catch((e: unknown) => o.log.error({ err: String(e) }, 'flush failed')),
      o.flushMs,
    );
    this.resendTimer = setInterval(() => this.expire(), Math.max(50, Math.min(1_000, o.ackTimeoutMs / 4)));
    this.client = this.newClient();
    // Seen in bench:faults and bench:ingest (mqtt.js 5.16): after the endpoint dropped or
    // restarted, a client sometimes stopped retrying, without an error. A gateway must never
    // stop: kick it, and if that does not help, replace the client.
    this.watchdog = setInterval(() => {
      const c = this.client;
      if (this.closed || c.connected) return;
      const now = Date.now();
      // A client being refused is not stuck: it waits out its backoff.
      const refused = this.backoff.code !== undefined;
      if (!refused && now - this.lastConnectedMs >= REPLACE_MS && now - this.createdMs >= REPLACE_MS) {
        o.log.warn({ url: o.url }, 'not connected for long: replacing the MQTT client');
        c.removeAllListeners();
        c.on('error', () => {});
        c.end(true);
        this.client = this.newClient();
      } else if (now - this.lastAttemptMs >= WATCHDOG_MS + (refused ? this.backoff.delayMs : 0)) {
        o.log.warn({ url: o.url }, 'no connection attempt for a while: reconnecting');
        this.lastAttemptMs = now;
        c.reconnect();
      }
    }, WATCHDOG_MS / 2);
  }

  private newClient(): MqttClient {
    const o = this.o;
    const client = mqtt.connect(o.url, {
      clientId: o.gateway,
      username: o.gateway,
      ...(o.password ? { password: o.password } : {}),
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 1_000,
      // A refused CONNACK (e.g. the endpoint restarting, or a password being rotated) must not
      // end the gateway's retries: its spool is waiting.
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      keepalive: 30,
      will: { topic: topics.status(o.gateway), payload: Buffer.from('offline'), qos: 1, retain: true },
      ...o.mqtt,
    });
    this.createdMs = Date.now();
    this.lastAttemptMs = this.createdMs;
    client.on('connect', () => {
      this.lastConnectedMs = Date.now();
      o.log.info({ url: o.url }, 'connected to ingest');
      // Whatever was in flight may be lost with the old connection: send it all again, in order.
      this.inflight.clear();
      this.ackTimer.reset();
      // Send only once the ack subscription holds: an ack published before it would be lost
      // (and the message resent after the timeout).
      client.subscribe(topics.ack(o.gateway), { qos: 1 }, (err) => {
        if (err) o.log.warn({ err: err.message }, 'ack subscription failed');
        this.pump();
      });
    });
    client.on('offline', () => o.log.warn({ url: o.url }, 'ingest unreachable; spooling'));
    for (const ev of ['connect', 'reconnect', 'close'] as const) {
      client.on(ev, () => {
        this.lastAttemptMs = Date.now();
      });
    }
    client.on('close', () => {
      // Still counts as connected until the moment it closed (the replace timer starts here).
      if (this.lastConnectedMs >= this.createdMs) this.lastConnectedMs = Date.now();
      forgetUnacked(client);
    });
    this.backoff = reconnectBackoff(client, {
      baseMs: client.options.reconnectPeriod ?? 1_000,
      log: o.log,
      what: 'ingest',
    });
    client.on('message', (topic, payload) => {
      if (topic !== topics.ack(o.gateway)) return;
      const ids = parseAck(payload);
      if (ids) void this.onAck(ids);
    });
    return client;
  }

  /** Connects (in the background: a gateway starts spooling even when ingest is down). */
  static start(o: PublisherOptions): SpoolPublisher {
    return new SpoolPublisher(o);
  }

  /**
   * Queues a hit for the next envelope. It is encoded here, in ASCII only: the receiver decodes
   * and parses an ASCII envelope about four times faster than one with a raw plate character
   * (docs/ingest.md#less-work-outside-the-store).
   */
  addHit(hit: Hit): void {
    this.addEncodedHit(asciiJson(hit));
  }

  /**
   * Queues a hit already encoded as JSON text (one object, a valid contract hit: the receiver
   * quarantines it otherwise). The bench gateways patch ids and times into a template.
   */
  addEncodedHit(json: string): void {
    if (this.closed) throw new Error('publisher closed');
    this.buffer.push(json);
    if (this.buffer.length >= this.maxHits) void this.flush();
  }

  /** Spools a snapshot (raw JPEG) and sends it. */
  async addSnapshot(id: string, jpeg: Buffer): Promise<void> {
    await this.spool({ id, kind: 'snap', topic: topics.snapshot(this.o.gateway, id), payload: jpeg });
  }

  /**
   * Spools one sensors envelope (docs/iot.md) and sends it; acked, resent and dropped like a
   * hits envelope. The caller batches (a gateway polling its field bus sends a round at once).
   * Resolves with the message id once it is in the spool.
   */
  async addSensors(readings: SensorReading[], events: SensorEvent[] = []): Promise<string> {
    if (this.closed) throw new Error('publisher closed');
    const msgId = ulid();
    const env = {
      v: 1,
      msgId,
      gateway: this.o.gateway,
      sentMs: Date.now(),
      readings,
      ...(events.length ? { events } : {}),
    };
    await this.spool({
      id: msgId,
      kind: 'hits',
      topic: topics.sensors(this.o.gateway),
      payload: Buffer.from(JSON.stringify(env)),
    });
    return msgId;
  }

  /**
   * Writes the hits buffered now as envelopes (`maxHitsPerEnvelope` each) to the spool. Hits
   * added while it writes wait for the next flush: taking them too made one envelope per spool
   * write (an fsync, 20–50 ms) instead of per `flushMs`, so 5–8 hits per message instead of
   * ~40 in bench:faults, and a backlog of five times as many messages to resend and ack.
   */
  async flush(): Promise<void> {
    let left = this.buffer.length;
    while (left > 0) {
      const hits = this.buffer.splice(0, Math.min(left, this.maxHits));
      left -= hits.length;
      const msgId = ulid();
      // The envelope's JSON built around the encoded hits (the same text JSON.stringify gives).
      const head = asciiJson({ v: 1, msgId, gateway: this.o.gateway, sentMs: Date.now() });
      const payload = Buffer.from(`${head.slice(0, -1)},"hits":[${hits.join(',')}]}`);
      await this.spool({ id: msgId, kind: 'hits', topic: topics.hits(this.o.gateway), payload });
    }
  }

  stats(): PublisherStats {
    const s = this.o.spool.stats();
    return {
      spooled: s.messages,
      spoolBytes: s.bytes,
      buffered: this.buffer.length,
      inflight: this.inflight.size,
      ...this.st,
      droppedHits: s.droppedHits,
      droppedSnaps: s.droppedSnaps,
      connected: this.client.connected,
      oldestUnackedMs: this.oldestUnackedMs(),
      ackWaitMs: Math.round(this.ackTimer.timeoutMs),
    };
  }

  private oldestUnackedMs(): number {
    for (const [id, at] of this.since) {
      if (this.o.spool.has(id)) return Date.now() - at;
      this.since.delete(id);
    }
    return 0;
  }

  /** True when every hit handed over has been acked. */
  drained(): boolean {
    return this.buffer.length === 0 && this.o.spool.stats().messages === 0;
  }

  /** Spools what is buffered and disconnects; unacked messages stay in the spool for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.buffer.length > 0) await this.flush();
    this.closed = true;
    clearInterval(this.flushTimer);
    clearInterval(this.resendTimer);
    clearInterval(this.watchdog);
    // A clean end waits for every QoS 1 PUBACK; one that never comes (the endpoint restarted)
    // must not hang the gateway's shutdown — the spool still holds whatever is unacked.
    await endMqtt(this.client);
  }

  /** Drops the connection without a clean close (tests and fault runs: a crash). */
  kill(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    clearInterval(this.resendTimer);
    clearInterval(this.watchdog);
    this.client.end(true);
  }

  private async spool(m: Parameters<Spool['append']>[0]): Promise<void> {
    const dropped = await this.o.spool.append(m);
    if (!this.since.has(m.id)) this.since.set(m.id, Date.now());
    for (const d of dropped) {
      this.inflight.delete(d.id);
      this.retried.delete(d.id);
      this.since.delete(d.id);
      this.m?.dropped.inc({ kind: d.kind });
      this.o.log.warn({ id: d.id, kind: d.kind }, 'spool full: dropped the oldest message');
    }
    this.pump();
  }

  private async onAck(ids: string[]): Promise<void> {
    const now = Date.now();
    for (const id of ids) {
      const sentAt = this.inflight.get(id);
      if (sentAt !== undefined && !this.retried.has(id)) this.ackTimer.sample(now - sentAt);
      this.inflight.delete(id);
      this.retried.delete(id);
      this.since.delete(id);
    }
    const n = await this.o.spool.remove(ids);
    this.st.acked += n;
    this.m?.acked.inc(n);
    this.pump();
  }

  private expire(): void {
    const now = Date.now();
    const limit = this.ackTimer.timeoutMs;
    let any = false;
    for (const [id, at] of this.inflight) {
      if (now - at >= limit) {
        this.inflight.delete(id);
        any = true;
      }
    }
    if (any) {
      this.ackTimer.timedOut();
      this.pump();
    }
    this.m?.depth.set(this.o.spool.stats().messages);
  }

  /** Sends spooled messages not in flight, oldest first, up to `maxInflight`. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          for (const e of this.o.spool.entries()) {
            if (this.closed || !this.client.connected || this.inflight.size >= this.maxInflight) break;
            if (this.inflight.has(e.id)) continue;
            const m = await this.o.spool.read(e.id);
            if (!m) continue;
            this.inflight.set(e.id, Date.now());
            if (this.everSent.has(e.id)) {
              this.st.resent++;
              this.retried.add(e.id);
            } else this.everSent.add(e.id);
            this.st.published++;
            this.m?.published.inc();
            this.client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
              if (err) this.inflight.delete(e.id);
            });
          }
        } while (this.pumpAgain && !this.closed);
      } finally {
        this.pumping = false;
      }
    })();
    // everSent only needs ids still spooled.
    if (this.everSent.size > 4 * (this.o.spool.stats().messages + 1024)) {
      for (const id of this.everSent) if (!this.o.spool.has(id)) this.everSent.delete(id);
      for (const id of this.retried) if (!this.o.spool.has(id)) this.retried.delete(id);
    }
  }
}

/**
 * Drops the QoS 1 publishes still waiting for a PUBACK on a connection that closed. mqtt.js would
 * resend them itself on the next connect, ONE AT A TIME, each after the previous one's PUBACK,
 * and holds back both every other publish and its 'connect' event (which subscribes to the acks
 * and starts the spool's resends) until the last one is through (mqtt 5 lib/client.js
 * _onConnect, storeDeliver). The embedded endpoint PUBACKs a message only once its bundle is in
 * Redis (~0.2–1 s), so up to `maxInflight` such resends held a gateway for 5–9 s after an
 * endpoint restart (docs/ingest.md#fault-runs). The spool holds every unacked message and the
 * publisher resends them all after a connect, `maxInflight` at a time: nothing is lost.
 */
function forgetUnacked(client: MqttClient): void {
  for (const [id, o] of Object.entries(client.outgoing))
    if (!o.volatile) client.removeOutgoingMessage(Number(id));
}

function metrics(registry: Registry) {
  const get = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    depth: get(
      'xueliang_edge_spool_messages',
      () =>
        new Gauge({
          name: 'xueliang_edge_spool_messages',
          help: 'Messages in the spool (unacked)',
          registers: [registry],
        }),
    ),
    published: get(
      'xueliang_edge_published_total',
      () =>
        new Counter({
          name: 'xueliang_edge_published_total',
          help: 'Messages published (incl. resends)',
          registers: [registry],
        }),
    ),
    acked: get(
      'xueliang_edge_acked_total',
      () =>
        new Counter({
          name: 'xueliang_edge_acked_total',
          help: 'Messages acked by ingest and deleted from the spool',
          registers: [registry],
        }),
    ),
    dropped: get(
      'xueliang_edge_spool_dropped_total',
      () =>
        new Counter({
          name: 'xueliang_edge_spool_dropped_total',
          help: 'Messages dropped from a full spool, by kind',
          labelNames: ['kind'],
          registers: [registry],
        }),
    ),
  };
}
