/**
 * From one sensors message to one bundle part (docs/iot.md; the same chain as hits,
 * docs/ingest.md): validate the envelope, every reading and every device alarm; check each
 * against city.yaml (the sensor exists and belongs to the gateway, the metric is its kind's,
 * in the configured unit, within the plausible range); valid readings become
 * `sensor_readings` rows, valid alarms `hits` rows of kind event; everything refused becomes
 * a quarantine row with its reason. Never throws on input. Pure apart from the --open
 * registry in the catalog.
 */
import type { SensorCatalog, SensorInfo } from '../analytics/sensors/catalog.js';
import { ReadingLineEncoder } from '../analytics/sensors/reading-block.js';
import { alarmRow } from '../analytics/sensors/rows.js';
import type { HitRow } from '../analytics/hit-rows.js';
import type { SensorReading } from '../contracts/sensor.js';
import { SENSOR_LIMITS } from '../contracts/sensor.js';
import { parseSensorsMessage, type SensorRejectReason } from '../contracts/sensor-validate.js';
import { envelopePart, type Intake, qrow } from './intake.js';
import type { QuarantineRow } from './jobs.js';

/** Why a schema-valid reading does not fit its sensor, or undefined when it does. */
export function readingProblem(
  r: SensorReading,
  s: SensorInfo,
): { reason: SensorRejectReason; detail: string } | undefined {
  if (s.open) return undefined;
  const m = s.metrics.get(r.metric);
  if (!m)
    return { reason: 'INGEST_BAD_UNIT', detail: `sensor ${s.id} (${s.kind}) has no metric ${r.metric}` };
  if (m.unit !== r.unit)
    return { reason: 'INGEST_BAD_UNIT', detail: `${r.metric} of ${s.id} is in ${m.unit}, not ${r.unit}` };
  if (r.value < m.min || r.value > m.max)
    return { reason: 'INGEST_BAD_READING', detail: `${r.metric} ${r.value} outside [${m.min}, ${m.max}]` };
  return undefined;
}

/** Readings go into the bundle as block lines (analytics/sensors/reading-block.ts), encoded here once. */
const lines = new ReadingLineEncoder();

export function intakeSensors(
  catalog: SensorCatalog,
  gateway: string,
  topic: string,
  payload: Uint8Array,
  rawMax: number,
  nowMs: number,
): Intake {
  const parsed = parseSensorsMessage(payload, gateway);
  const readings = { data: '', rows: 0 };
  const hits: HitRow[] = [];
  const quarantine: QuarantineRow[] = [];
  const rejected: SensorRejectReason[] = [];
  const refuse = (reason: SensorRejectReason, detail: string, item: unknown) => {
    const raw = item === undefined ? payload : Buffer.from(JSON.stringify(item) ?? '');
    quarantine.push(qrow(gateway, topic, reason, detail, raw, rawMax, nowMs));
    rejected.push(reason);
  };
  for (const r of parsed.rejected) refuse(r.reason, r.detail, r.item);
  for (const r of parsed.readings) {
    const s = catalog.forGateway(r.sensor, gateway);
    if (typeof s === 'string') {
      refuse(s, `sensor ${r.sensor} is not assigned to ${gateway}`, r);
      continue;
    }
    const p = readingProblem(r, s);
    if (p) refuse(p.reason, p.detail, r);
    else {
      readings.data += lines.line(r, s, gateway);
      readings.rows++;
    }
  }
  for (const e of parsed.events) {
    const s = catalog.forGateway(e.sensor, gateway);
    if (typeof s === 'string') refuse(s, `sensor ${e.sensor} is not assigned to ${gateway}`, e);
    else hits.push(alarmRow(e, s, gateway));
  }
  const env = parsed.envelope;
  return {
    part: envelopePart(
      { gateway, topic, payload, msgId: env?.msgId, envelopeMax: SENSOR_LIMITS.envelopeBytes },
      {
        hits,
        quarantine,
        ...(readings.rows ? { readings } : {}),
        rowBytes: readings.rows * 48 + hits.length * 64,
        ...(hits.length ? { urgent: true } : {}),
      },
    ),
    ackId: env?.msgId,
    // Device alarms are hits; readings are counted by the sensor metrics (ingest/metrics.ts).
    hitsReceived: parsed.events.length,
    rejected,
  };
}
