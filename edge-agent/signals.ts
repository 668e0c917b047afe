/**
 * Signal phases for the red_light rules (docs/iot.md): subscribes (QoS 1) to
 * `xueliang/v1/signal/{controller}/phase` of the controllers the gateway's rules name, on the
 * junction's broker (gateway.yaml `signals.url`), and feeds the pure phase history
 * (edge-agent/rules/red-light.ts). Unreadable messages are counted and dropped. Adapter.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { GatewayConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import { parseSignalPhase } from '../contracts/signal.js';
import { parseTopic, topics } from '../contracts/topics.js';
import { endMqtt } from '../contracts/within.js';
import { SignalPhases } from './rules/red-light.js';

/** Controllers named by the red_light rules of the enabled cameras. */
export function signalControllers(c: Pick<GatewayConfig, 'cameras'>): string[] {
  const ids = new Set<string>();
  for (const cam of c.cameras)
    if (cam.enabled)
      for (const r of cam.rules) if (r.type === 'red_light' && r.enabled) ids.add(r.controller);
  return [...ids];
}

export interface SignalFeed {
  phases: SignalPhases;
  /** Resolves once the first subscription holds (tests; the agent does not wait for it). */
  ready: Promise<void>;
  /** Messages taken and refused so far. */
  stats(): { taken: number; refused: number };
  close(): Promise<void>;
}

export function connectSignals(o: {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  controllers: readonly string[];
  log: Logger;
}): SignalFeed {
  const phases = new SignalPhases(o.controllers);
  const st = { taken: 0, refused: 0 };
  let subscribed: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  const client: MqttClient = mqtt.connect(o.url, {
    clientId: o.clientId,
    protocolVersion: 4,
    reconnectPeriod: 1_000,
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
  });
  client.on('connect', () => {
    const filters = Object.fromEntries(o.controllers.map((c) => [topics.signal(c), { qos: 1 as const }]));
    client.subscribe(filters, (err) => {
      if (err) o.log.warn({ err: err.message }, 'signal subscription failed');
      else {
        o.log.info({ controllers: o.controllers }, 'listening to signal phases');
        subscribed();
      }
    });
  });
  client.on('error', (e) => o.log.debug({ err: e.message }, 'signal broker error'));
  client.on('message', (topic, payload) => {
    const t = parseTopic(topic);
    const m = t?.kind === 'signal' ? parseSignalPhase(payload, t.controller) : undefined;
    if (m && phases.update(m)) st.taken++;
    else st.refused++;
  });
  return {
    phases,
    ready,
    stats: () => ({ ...st }),
    close: () => endMqtt(client),
  };
}
