/**
 * From one MQTT message to one bundle part (docs/architecture.md#no-loss-chain step 3): validate the envelope and
 * every hit, place each valid hit on the org tree, turn everything refused into quarantine
 * rows with the reason and the raw bytes (truncated). Never throws on input. Pure apart
 * from the --open camera registry in the directory.
 */
import { createHash } from 'node:crypto';
import { type HitRow, hitToRow } from '../analytics/hit-rows.js';
import { LIMITS } from '../contracts/hit.js';
import { parseHitsMessage } from '../contracts/validate.js';
import type { Part } from './bundler.js';
import type { Directory } from './gate.js';
import type { QuarantineRow } from './jobs.js';
import type { IngestReason } from './reasons.js';

export interface Intake {
  part: Part;
  /** Id to ack on the gateway's ack topic once the part is held (envelope msgId, snapshot id). */
  ackId: string | undefined;
  hitsReceived: number;
  rejected: IngestReason[];
}

/** Raw bytes for the quarantine table: UTF-8 text when it is, else `base64:…`; cut to `max`. */
export function rawColumn(payload: Uint8Array, max: number): string {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, max));
  const text = buf.toString('utf8');
  // A cut may split a multi-byte character; allow a replacement char at the very end only.
  const clean = !text.slice(0, -1).includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  return clean ? text : `base64:${buf.toString('base64')}`;
}

/** A rejected hit as bytes for the quarantine row; the whole message if it cannot be serialised. */
function itemBytes(item: unknown, payload: Uint8Array): Uint8Array {
  try {
    return Buffer.from(JSON.stringify(item) ?? '');
  } catch {
    return payload;
  }
}

export function digest(topic: string, payload: Uint8Array): string {
  return createHash('sha1').update(topic).update(payload).digest('base64url');
}

/** Where an envelope message came from: its gateway, topic and bytes, and its msgId once parsed. */
export interface EnvelopeSource {
  gateway: string;
  topic: string;
  payload: Uint8Array;
  msgId: string | undefined;
  /** The contract's envelope size bound (the size estimate counts at most this much payload). */
  envelopeMax: number;
}

/**
 * The bundle part of an envelope message (hits here, sensors in ingest/sensor-intake.ts): keyed
 * by its msgId for the replay window, or by the payload's digest when it has none (nothing but
 * quarantine); `bytes` estimates its JSON size in the queue job (`rowBytes` for its rows).
 */
export function envelopePart(
  src: EnvelopeSource,
  rows: Pick<Part, 'hits' | 'quarantine' | 'readings' | 'urgent'> & { rowBytes: number },
): Part {
  const { gateway, topic, payload, msgId } = src;
  const { rowBytes, ...kept } = rows;
  return {
    key: msgId ? `m:${gateway}:${msgId}` : `q:${gateway}:${digest(topic, payload)}`,
    snapshots: [],
    ...kept,
    bytes:
      Math.min(payload.byteLength, src.envelopeMax) +
      rowBytes +
      rows.quarantine.reduce((n, q) => n + q.raw.length + 200, 0),
  };
}

/** One quarantine row: the reason, a detail cut to 500 characters, the raw bytes cut to `rawMax`. */
export function qrow(
  gateway: string,
  topic: string,
  reason: IngestReason,
  detail: string,
  raw: Uint8Array,
  rawMax: number,
  nowMs: number,
): QuarantineRow {
  return {
    ts: nowMs,
    gateway,
    topic,
    reason,
    detail: detail.slice(0, 500),
    raw: rawColumn(raw, rawMax),
    raw_bytes: raw.byteLength,
  };
}

export function intakeHits(
  dir: Directory,
  gateway: string,
  topic: string,
  payload: Uint8Array,
  rawMax: number,
  nowMs: number,
): Intake {
  const parsed = parseHitsMessage(payload, gateway, nowMs);
  const hits: HitRow[] = [];
  const quarantine: QuarantineRow[] = [];
  const rejected: IngestReason[] = [];
  for (const r of parsed.rejected) {
    const raw = r.item === undefined ? payload : itemBytes(r.item, payload);
    quarantine.push(qrow(gateway, topic, r.reason, r.detail, raw, rawMax, nowMs));
    rejected.push(r.reason);
  }
  for (const h of parsed.hits) {
    const cam = dir.camera(h.camera, gateway);
    if (typeof cam === 'string') {
      quarantine.push(
        qrow(
          gateway,
          topic,
          cam,
          `camera ${h.camera} is not assigned to ${gateway}`,
          Buffer.from(JSON.stringify(h)),
          rawMax,
          nowMs,
        ),
      );
      rejected.push(cam);
    } else hits.push(hitToRow(h, cam.placement));
  }
  const env = parsed.envelope;
  return {
    part: envelopePart(
      { gateway, topic, payload, msgId: env?.msgId, envelopeMax: LIMITS.envelopeBytes },
      { hits, quarantine, rowBytes: hits.length * 64 },
    ),
    ackId: env?.msgId,
    hitsReceived: env ? parsed.hits.length + parsed.rejected.filter((r) => r.item !== undefined).length : 0,
    rejected,
  };
}

export function intakeSnapshot(
  gateway: string,
  snapshotId: string,
  topic: string,
  payload: Uint8Array,
  rawMax: number,
  nowMs: number,
): Intake {
  const key = `s:${gateway}:${snapshotId}`;
  let reason: IngestReason | undefined;
  let detail = '';
  if (payload.byteLength > LIMITS.snapshotBytes) {
    reason = 'INGEST_OVERSIZE';
    detail = `${payload.byteLength} bytes > ${LIMITS.snapshotBytes}`;
  } else if (payload.byteLength < 4 || payload[0] !== 0xff || payload[1] !== 0xd8 || payload[2] !== 0xff) {
    reason = 'INGEST_BAD_SNAPSHOT';
    detail = 'not a JPEG (no FF D8 FF start of image)';
  }
  if (reason) {
    const q = qrow(gateway, topic, reason, detail, payload, rawMax, nowMs);
    return {
      part: { key, hits: [], snapshots: [], quarantine: [q], bytes: q.raw.length + 200 },
      ackId: snapshotId,
      hitsReceived: 0,
      rejected: [reason],
    };
  }
  const jpeg = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  return {
    part: {
      key,
      hits: [],
      snapshots: [{ id: snapshotId, gateway, ts: nowMs, bytes: payload.byteLength, jpeg_base64: jpeg }],
      quarantine: [],
      bytes: jpeg.length + 100,
    },
    ackId: snapshotId,
    hitsReceived: 0,
    rejected: [],
  };
}

/** A message refused for where it was published (topic, prefix, gateway): quarantined as a whole. */
/** A message refused as a whole (its topic, its sender, its status document), as given to quarantine. */
export interface Refusal {
  gateway: string;
  topic: string;
  payload: Uint8Array;
  reason: IngestReason;
  detail: string;
  /** Raw bytes kept in quarantine at most. */
  rawMax: number;
  nowMs: number;
}

export function intakeRefused(r: Refusal): Intake {
  const { gateway, topic, payload } = r;
  const q = qrow(gateway, topic, r.reason, r.detail, payload, r.rawMax, r.nowMs);
  return {
    part: {
      key: `q:${gateway}:${digest(topic, payload)}`,
      hits: [],
      snapshots: [],
      quarantine: [q],
      bytes: q.raw.length + 200,
    },
    ackId: undefined,
    hitsReceived: 0,
    rejected: [r.reason],
  };
}
