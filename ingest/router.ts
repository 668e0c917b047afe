/**
 * Topic routing of the ingest receiver (docs/ingest.md): every MQTT message the endpoint or the
 * broker subscription hands over goes to exactly one place — a gateway's status to Redis (the
 * newest per gateway), hits and snapshots to their intake, anything refused (a topic the sender
 * may not publish, an unknown gateway, a malformed status) to quarantine. A refused topic also
 * throws `INGEST_REFUSED`, so the endpoint closes that connection (a client cannot inject acks).
 */
import type { Redis } from 'ioredis';
import { XlError } from '../contracts/errors.js';
import type { Logger } from '../contracts/log.js';
import { parseStatus } from '../contracts/status.js';
import type { HandleFn } from './endpoint.js';
import { checkPublish, type Directory } from './gate.js';
import { gatewayStatusKey } from './gateway-status.js';
import { type Intake, intakeHits, intakeRefused, intakeSnapshot, type Refusal } from './intake.js';
import type { SensorCatalog } from '../analytics/sensors/catalog.js';
import { intakeSensors } from './sensor-intake.js';
import type { IngestMetrics } from './metrics.js';

export interface RouterOptions {
  dir: Directory;
  /** Sensors by id (the sensors topic, docs/iot.md). */
  sensors: SensorCatalog;
  metrics: IngestMetrics;
  log: Logger;
  /** Where gateway status is kept (`gatewayStatusKey(prefix)`). */
  redis: Redis;
  prefix: string;
  /** Raw bytes kept in quarantine at most. */
  rawMax: number;
  /** Bundles an intake (and acks it once held). */
  hold: (gateway: string, intake: Intake) => Promise<void>;
  now?: () => number;
}

export function messageRouter(o: RouterOptions): HandleFn {
  const now = o.now ?? Date.now;
  const refuse = (r: Omit<Refusal, 'rawMax'>) => o.hold(r.gateway, intakeRefused({ ...r, rawMax: o.rawMax }));

  const keepStatus = async (gateway: string, topic: string, payload: Buffer, nowMs: number) => {
    o.metrics.message('status');
    const st = parseStatus(payload, gateway);
    if (!st.ok) return refuse({ gateway, topic, payload, reason: st.reason, detail: st.detail, nowMs });
    if (!o.dir.knowsGateway(gateway)) return; // broker mode: not a gateway of this city
    o.log.debug({ gateway, state: st.status.state }, 'gateway status');
    // The newest per gateway, for GET /api/v1/cameras (any process with this Redis).
    await o.redis
      .hset(gatewayStatusKey(o.prefix), gateway, JSON.stringify({ ...st.status, receivedMs: nowMs }))
      .catch((e: unknown) => o.log.warn({ err: String(e), gateway }, 'gateway status not kept'));
  };

  const takeHits = async (gateway: string, topic: string, payload: Buffer, nowMs: number) => {
    o.metrics.message('hits');
    const before = o.dir.registered;
    const intake = intakeHits(o.dir, gateway, topic, payload, o.rawMax, nowMs);
    o.metrics.received(intake.hitsReceived);
    if (o.dir.registered > before) {
      o.metrics.s.camerasRegistered = o.dir.registered;
      o.log.warn({ gateway, registered: o.dir.registered }, '--open: registered an unknown camera');
    }
    await o.hold(gateway, intake);
  };

  return async (client, topic, payload) => {
    const nowMs = now();
    const v = checkPublish(topic, client);
    if (!v.ok) {
      o.metrics.message('other');
      const gateway = client ?? topic.split('/')[3]?.slice(0, 64) ?? '';
      await refuse({
        gateway,
        topic: topic.slice(0, 256),
        payload,
        reason: v.reason,
        detail: v.detail,
        nowMs,
      });
      // Refuse it: aedes closes the connection, so a misbehaving client cannot inject acks.
      throw new XlError('INGEST_REFUSED', `${v.reason}: ${v.detail}`);
    }
    const t = v.topic;
    if (t.kind === 'status') return keepStatus(t.gateway, topic, payload, nowMs);
    if (!o.dir.knowsGateway(t.gateway)) {
      o.metrics.message('other');
      const detail = `no gateway ${t.gateway} in city.yaml`;
      return refuse({ gateway: t.gateway, topic, payload, reason: 'INGEST_UNKNOWN_GATEWAY', detail, nowMs });
    }
    if (t.kind === 'sensors') {
      o.metrics.message('sensors');
      const intake = intakeSensors(o.sensors, t.gateway, topic, payload, o.rawMax, nowMs);
      o.metrics.received(intake.hitsReceived);
      return o.hold(t.gateway, intake);
    }
    if (t.kind === 'hits') return takeHits(t.gateway, topic, payload, nowMs);
    o.metrics.message('snapshot');
    await o.hold(t.gateway, intakeSnapshot(t.gateway, t.snapshotId, topic, payload, o.rawMax, nowMs));
  };
}
