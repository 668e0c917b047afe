/**
 * The gateway's retained status (docs/edge.md, contracts/status.ts) on its own MQTT connection:
 * the publisher's connection carries the spool traffic; this one carries the status and the same
 * last will (`offline`), so the broker marks the gateway offline when the process dies. Also
 * keeps each camera's processed-frame window for the `fps` the document reports.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { reconnectBackoff } from '../contracts/mqtt-backoff.js';
import type { GatewayConfig } from '../contracts/config/gateway.js';
import type { Logger } from '../contracts/log.js';
import { type GatewayStatus, STATUS_OFFLINE } from '../contracts/status.js';
import { topics } from '../contracts/topics.js';
import { endMqtt, within } from '../contracts/within.js';

/** The window of a camera's `fps` in the status document. */
const FPS_WINDOW_MS = 10_000;

/** Frames processed per second per camera over the last FPS_WINDOW_MS. */
export class FpsWindow {
  private readonly history = new Map<string, Array<{ ms: number; n: number }>>();

  /** Records a camera's processed-frame count (every second). */
  sample(camera: string, processed: number, nowMs: number): void {
    const h = this.history.get(camera) ?? [];
    h.push({ ms: nowMs, n: processed });
    while (h.length > 2 && nowMs - h[0]!.ms > FPS_WINDOW_MS) h.shift();
    this.history.set(camera, h);
  }

  /** Undefined before two samples. */
  fps(camera: string): number | undefined {
    const h = this.history.get(camera);
    if (!h || h.length < 2) return undefined;
    const a = h[0]!;
    const b = h[h.length - 1]!;
    return Math.round(((b.n - a.n) * 1000 * 100) / (b.ms - a.ms)) / 100;
  }
}

export interface StatusReporterOptions {
  config: Readonly<GatewayConfig>;
  log: Logger;
  /** Extra mqtt.js options (tests: reconnectPeriod). */
  mqtt?: IClientOptions;
  /** The document to publish for a state. */
  document: (state: GatewayStatus['state']) => GatewayStatus;
}

export class StatusReporter {
  private readonly client: MqttClient;
  /** When the status was last published (the agent republishes every STATUS_EVERY_MS). */
  lastMs = 0;

  constructor(private readonly o: StatusReporterOptions) {
    const c = o.config;
    const will = {
      topic: topics.status(c.gateway.id),
      payload: Buffer.from(STATUS_OFFLINE),
      qos: 1 as const,
      retain: true,
    };
    this.client = mqtt.connect(c.mqtt.url, {
      clientId: `${c.gateway.id}-status`,
      username: c.gateway.id,
      ...(c.gateway.password ? { password: c.gateway.password } : {}),
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      keepalive: c.mqtt.keepaliveS,
      will,
      ...o.mqtt,
    });
    this.client.on('connect', () => this.publish());
    reconnectBackoff(this.client, { baseMs: 1000, log: o.log, what: 'ingest (status)', quiet: true });
  }

  publish(state: GatewayStatus['state'] = 'online'): Promise<void> {
    const cl = this.client;
    if (!cl.connected) return Promise.resolve();
    this.lastMs = Date.now();
    const payload = JSON.stringify(this.o.document(state));
    return new Promise((r) =>
      cl.publish(topics.status(this.o.config.gateway.id), payload, { qos: 1, retain: true }, () => r()),
    );
  }

  /** Publishes `stopped` and ends cleanly. */
  async stop(): Promise<void> {
    // Both wait for a PUBACK; with the broker gone (its loss not noticed yet) none comes,
    // and after a status publish that got none, a clean end would not get one either.
    const said = await within(this.publish('stopped'), 2_000);
    await (said ? endMqtt(this.client) : this.client.endAsync(true));
  }

  /** Drops the connection without a clean close (a simulated crash: the broker sends the will). */
  kill(): void {
    this.client.end(true);
  }
}
