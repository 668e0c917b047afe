/**
 * MQTT topic names (docs/architecture.md#contracts). Builders and a parser; a gateway may publish only under
 * its own `xueliang/v1/gw/{gateway}/` prefix.
 */
export const TOPIC_ROOT = 'xueliang/v1';

export const topics = Object.freeze({
  hits: (gateway: string) => `${TOPIC_ROOT}/gw/${gateway}/hits`,
  snapshot: (gateway: string, snapshotId: string) => `${TOPIC_ROOT}/gw/${gateway}/snap/${snapshotId}`,
  status: (gateway: string) => `${TOPIC_ROOT}/gw/${gateway}/status`,
  /** Sensor readings and device alarms a gateway forwards (contracts/sensor.ts). */
  sensors: (gateway: string) => `${TOPIC_ROOT}/gw/${gateway}/sensors`,
  /** A traffic-signal controller's phases, retained (contracts/signal.ts), read by edge agents. */
  signal: (controller: string) => `${TOPIC_ROOT}/signal/${controller}/phase`,
  ack: (gateway: string) => `${TOPIC_ROOT}/gw/${gateway}/ack`,
  gridTasks: (gridId: string) => `${TOPIC_ROOT}/grid/${gridId}/tasks`,
  /** Subscription filters for the ingest tier. */
  allHits: `${TOPIC_ROOT}/gw/+/hits`,
  allSnapshots: `${TOPIC_ROOT}/gw/+/snap/+`,
  allStatus: `${TOPIC_ROOT}/gw/+/status`,
  allSensors: `${TOPIC_ROOT}/gw/+/sensors`,
});

export type ParsedTopic =
  | { kind: 'hits'; gateway: string }
  | { kind: 'snapshot'; gateway: string; snapshotId: string }
  | { kind: 'status'; gateway: string }
  | { kind: 'sensors'; gateway: string }
  | { kind: 'signal'; controller: string }
  | { kind: 'ack'; gateway: string }
  | { kind: 'gridTasks'; gridId: string };

const SEG = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Parses a topic of this contract, or returns undefined. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const p = topic.split('/');
  if (p[0] !== 'xueliang' || p[1] !== 'v1') return undefined;
  const id = p[3];
  if (!id || !SEG.test(id)) return undefined;
  if (p[2] === 'gw') {
    if (p.length === 5 && p[4] === 'hits') return { kind: 'hits', gateway: id };
    if (p.length === 5 && p[4] === 'status') return { kind: 'status', gateway: id };
    if (p.length === 5 && p[4] === 'ack') return { kind: 'ack', gateway: id };
    if (p.length === 5 && p[4] === 'sensors') return { kind: 'sensors', gateway: id };
    if (p.length === 6 && p[4] === 'snap' && p[5] && SEG.test(p[5]))
      return { kind: 'snapshot', gateway: id, snapshotId: p[5] };
  }
  if (p[2] === 'signal' && p.length === 5 && p[4] === 'phase') return { kind: 'signal', controller: id };
  if (p[2] === 'grid' && p.length === 5 && p[4] === 'tasks') return { kind: 'gridTasks', gridId: id };
  return undefined;
}
