/**
 * Parse of a sensors message (contracts/sensor.ts) into valid readings and device alarms and
 * the rejected ones with reason codes. Pure: bytes in, verdicts out. Whether a sensor exists,
 * belongs to the gateway and measures that metric in that unit is the ingest tier's check
 * (ingest/sensor-intake.ts), against city.yaml.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { SENSOR_LIMITS, SENSOR_VERSION, SensorEnvelope, SensorEvent, SensorReading } from './sensor.js';
import type { RejectReason } from './validate.js';

const readingCheck = TypeCompiler.Compile(SensorReading);
const eventCheck = TypeCompiler.Compile(SensorEvent);
const envelopeCheck = TypeCompiler.Compile(SensorEnvelope);

export type SensorRejectReason =
  | Exclude<RejectReason, 'INGEST_BAD_HIT' | 'INGEST_UNKNOWN_CAMERA'>
  | 'INGEST_BAD_READING'
  | 'INGEST_BAD_SENSOR_EVENT'
  | 'INGEST_UNKNOWN_SENSOR'
  | 'INGEST_BAD_UNIT';

export interface SensorRejection {
  reason: SensorRejectReason;
  detail: string;
  item?: unknown;
}

export interface ParsedSensors {
  envelope?: { msgId: string; gateway: string; sentMs: number };
  readings: SensorReading[];
  events: SensorEvent[];
  rejected: SensorRejection[];
}

type Check = typeof readingCheck | typeof eventCheck | typeof envelopeCheck;

function firstError(check: Check, value: unknown): string {
  const e = check.Errors(value).First();
  return e ? `${e.path || '/'}: ${e.message}`.slice(0, 300) : '';
}

function hasOtherVersion(value: unknown): boolean {
  return (
    !!value && typeof value === 'object' && 'v' in value && (value as { v: unknown }).v !== SENSOR_VERSION
  );
}

/**
 * Parses a sensors message published under `gateway`. A broken envelope rejects the whole
 * message; a broken reading or event rejects only itself.
 */
export function parseSensorsMessage(payload: Uint8Array, gateway: string): ParsedSensors {
  const none = { readings: [], events: [] };
  if (payload.byteLength > SENSOR_LIMITS.envelopeBytes) {
    const detail = `${payload.byteLength} bytes > ${SENSOR_LIMITS.envelopeBytes}`;
    return { ...none, rejected: [{ reason: 'INGEST_OVERSIZE', detail }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (e) {
    return { ...none, rejected: [{ reason: 'INGEST_BAD_JSON', detail: (e as Error).message.slice(0, 200) }] };
  }
  if (!envelopeCheck.Check(value)) {
    const reason = hasOtherVersion(value) ? 'INGEST_BAD_VERSION' : 'INGEST_BAD_ENVELOPE';
    return { ...none, rejected: [{ reason, detail: firstError(envelopeCheck, value) }] };
  }
  const env = value as {
    msgId: string;
    gateway: string;
    sentMs: number;
    readings: unknown[];
    events?: unknown[];
  };
  const envelope = { msgId: env.msgId, gateway: env.gateway, sentMs: env.sentMs };
  if (env.gateway !== gateway) {
    const detail = `envelope names ${env.gateway}, topic ${gateway}`;
    return { envelope, ...none, rejected: [{ reason: 'INGEST_WRONG_GATEWAY', detail }] };
  }
  const out: ParsedSensors = { envelope, readings: [], events: [], rejected: [] };
  for (const item of env.readings) {
    if (readingCheck.Check(item)) out.readings.push(item);
    else out.rejected.push({ reason: 'INGEST_BAD_READING', detail: firstError(readingCheck, item), item });
  }
  for (const item of env.events ?? []) {
    if (eventCheck.Check(item)) out.events.push(item);
    else out.rejected.push({ reason: 'INGEST_BAD_SENSOR_EVENT', detail: firstError(eventCheck, item), item });
  }
  return out;
}
