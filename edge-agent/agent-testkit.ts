/**
 * Set-up for the edge agent's integration tests and benchmark: a private Mosquitto broker
 * on a free port (so a test can stop and restart it without disturbing anyone else), a tap
 * that records every hit and snapshot on the wire, an acker that plays the ingest tier's
 * step 5 (docs/architecture.md#no-loss-chain), and gateway configs loaded through the real config loader. Not
 * imported by production code.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { type GatewayConfig, loadGatewayConfig } from '../contracts/config/index.js';
import type { Hit, HitEnvelope } from '../contracts/hit.js';
import { parseTopic, topics } from '../contracts/topics.js';
import { encodeAck } from '../contracts/ack.js';
import type { Detector } from '../models/detector.js';
import { freePort } from './source/testdata/rtsp-server.js';

export { freePort };

/** Undefined when a `mosquitto` binary is available; else why the test skips. */
export function mosquittoUnavailable(): string | undefined {
  const r = spawnSync('mosquitto', ['-h'], { encoding: 'utf8' });
  return r.error ? 'mosquitto not installed (apt-get install -y mosquitto); skipping' : undefined;
}

export interface Broker {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Kills the broker (SIGKILL: an outage, nothing persisted). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const t0 = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A private Mosquitto on a free port (anonymous, loopback only). */
export async function startBroker(port?: number): Promise<Broker> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'xl-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  // max_queued_messages 0: no per-client queue limit (the default 1,000 drops messages, docs/architecture.md#no-loss-chain).
  writeFileSync(
    conf,
    `listener ${p} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\n`,
  );
  const b: Broker = {
    url: `mqtt://127.0.0.1:${p}`,
    port: p,
    proc: undefined as unknown as ChildProcess,
    kill: () =>
      new Promise<void>((resolve) => {
        const proc = b.proc;
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
    restart: async () => {
      b.proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      await waitListening(p, 10_000);
    },
  };
  await b.restart();
  return b;
}

/**
 * Records every hit and snapshot published for a gateway and, like the ingest tier, acks
 * what it received (set `acking = false` to withhold acks). Counts resends per hit id.
 */
export class Tap {
  readonly hits = new Map<string, Hit>();
  /** Times each hit id arrived (resends after an outage arrive again). */
  readonly arrivals = new Map<string, number>();
  readonly snapshots = new Map<string, Buffer>();
  readonly statuses: string[] = [];
  acking = true;

  private constructor(
    readonly client: MqttClient,
    readonly gateway: string,
  ) {
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  static async connect(url: string, gateway: string): Promise<Tap> {
    const client = await mqtt.connectAsync(url, {
      clientId: `tap-${gateway}-${process.pid}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 500,
    });
    const tap = new Tap(client, gateway);
    const subscribe = () =>
      client.subscribeAsync({
        [topics.hits(gateway)]: { qos: 1 },
        [`xueliang/v1/gw/${gateway}/snap/+`]: { qos: 1 },
        [topics.status(gateway)]: { qos: 1 },
      });
    await subscribe();
    client.on('connect', () => void subscribe().catch(() => {}));
    return tap;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t) return;
    if (t.kind === 'status') {
      this.statuses.push(payload.toString('utf8'));
      return;
    }
    let id: string;
    if (t.kind === 'snapshot') {
      this.snapshots.set(t.snapshotId, Buffer.from(payload));
      id = t.snapshotId;
    } else if (t.kind === 'hits') {
      const env = JSON.parse(payload.toString('utf8')) as HitEnvelope;
      for (const h of env.hits) {
        this.hits.set(h.id, h);
        this.arrivals.set(h.id, (this.arrivals.get(h.id) ?? 0) + 1);
      }
      id = env.msgId;
    } else return;
    if (this.acking) this.client.publish(topics.ack(this.gateway), encodeAck([id]), { qos: 1 });
  }

  list(filter: (h: Hit) => boolean = () => true): Hit[] {
    return [...this.hits.values()].filter(filter).sort((a, b) => a.tsMs - b.tsMs);
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

/** A camera as written in gateway.yaml: defaults (and rule defaults) are filled in by the loader. */
export interface TestCamera {
  id: string;
  url: string;
  [field: string]: unknown;
}

/** A gateway config written as YAML and loaded through the real loader (defaults, validation). */
export function gatewayConfig(o: {
  gateway: string;
  mqttUrl: string;
  modelsDir: string;
  cameras: TestCamera[];
  spoolDir?: string;
  extra?: Record<string, unknown>;
}): Readonly<GatewayConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'xl-edge-'));
  const raw = {
    gateway: { id: o.gateway },
    mqtt: { url: o.mqttUrl, ackTimeoutMs: 3000, flushMs: 100 },
    model: { dir: o.modelsDir },
    spool: { dir: o.spoolDir ?? join(dir, 'spool') },
    metricsPort: 0,
    cameras: o.cameras,
    log: { level: 'warn' },
    ...o.extra,
  };
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, stringify(raw));
  return loadGatewayConfig(file);
}

/** Polls until `cond` holds; throws naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A real detector whose timed runs (one per whole frame, tile or crop) are counted in `runs`. */
export function countingDetector(real: Detector): { detector: Detector; runs: () => number } {
  let n = 0;
  const detector: Detector = {
    name: real.name,
    labels: real.labels,
    detect: (f, o) => real.detect(f, o),
    detectTimed: (f, o) => {
      n++;
      return real.detectTimed(f, o);
    },
  };
  return { detector, runs: () => n };
}
