/**
 * Compiled validators for the wire contracts, and the parse of a hits message into valid
 * hits and rejected ones with reason codes. Pure: bytes in, verdicts out.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { HIT_VERSION, Hit, HitEnvelope, LIMITS } from './hit.js';

const hitCheck = TypeCompiler.Compile(Hit);
const envelopeCheck = TypeCompiler.Compile(HitEnvelope);

/** Why something was rejected; stored in the quarantine table as `reason`. */
export type RejectReason =
  | 'INGEST_OVERSIZE'
  | 'INGEST_BAD_JSON'
  | 'INGEST_BAD_ENVELOPE'
  | 'INGEST_BAD_VERSION'
  | 'INGEST_BAD_HIT'
  | 'INGEST_WRONG_GATEWAY'
  | 'INGEST_UNKNOWN_CAMERA'
  | 'INGEST_BAD_TOPIC';

export interface Rejection {
  reason: RejectReason;
  detail: string;
  /** The offending item (a hit) when the envelope itself was fine. */
  item?: unknown;
}

/** First schema error as `path: message`, or '' when valid. */
function firstError(check: typeof hitCheck | typeof envelopeCheck, value: unknown): string {
  const e = check.Errors(value).First();
  return e ? `${e.path || '/'}: ${e.message}` : '';
}

export function checkHit(
  value: unknown,
): { ok: true; hit: Hit } | { ok: false; reason: RejectReason; detail: string } {
  if (hitCheck.Check(value)) {
    const box = value.box;
    if (box[2] < box[0] || box[3] < box[1])
      return { ok: false, reason: 'INGEST_BAD_HIT', detail: '/box: x2 < x1 or y2 < y1' };
    const crop = value.snapshotCrop;
    if (crop && (crop[2] <= crop[0] || crop[3] <= crop[1]))
      return { ok: false, reason: 'INGEST_BAD_HIT', detail: '/snapshotCrop: x2 <= x1 or y2 <= y1' };
    return { ok: true, hit: value };
  }
  const v = (value as { v?: unknown } | null)?.v;
  if (value && typeof value === 'object' && v !== HIT_VERSION) {
    return {
      ok: false,
      reason: 'INGEST_BAD_VERSION',
      detail: `unknown hit version ${JSON.stringify(v)?.slice(0, 20)}`,
    };
  }
  return { ok: false, reason: 'INGEST_BAD_HIT', detail: firstError(hitCheck, value) };
}

export interface ParsedHits {
  /** Envelope fields when the envelope was readable. */
  envelope?: { msgId: string; gateway: string; sentMs: number };
  hits: Hit[];
  rejected: Rejection[];
}

/**
 * Deepest JSON nesting a hits message may have: a valid one nests 4 deep (envelope, hits,
 * hit, attrs). Deeper values are refused before they are parsed: 5,000 nested arrays in a
 * 10 KB message overflowed the stack when the rejected item was serialised for quarantine.
 */
export const MAX_JSON_DEPTH = 32;

/** Nesting depth of JSON text (brackets outside strings), stopping once past `max`. */
export function jsonDepthExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Parses a hits message. A broken envelope rejects the whole message; a broken hit rejects
 * only itself. `gateway` is the gateway the topic says published it: hits (and the envelope)
 * must name the same one. With `nowMs` (the receiver's clock), a hit dated more than
 * `LIMITS.futureSkewMs` after it is rejected.
 */
export function parseHitsMessage(payload: Uint8Array, gateway: string, nowMs?: number): ParsedHits {
  if (payload.byteLength > LIMITS.envelopeBytes) {
    return {
      hits: [],
      rejected: [
        { reason: 'INGEST_OVERSIZE', detail: `${payload.byteLength} bytes > ${LIMITS.envelopeBytes}` },
      ],
    };
  }
  if (jsonDepthExceeds(payload, MAX_JSON_DEPTH)) {
    return {
      hits: [],
      rejected: [{ reason: 'INGEST_BAD_JSON', detail: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (e) {
    return {
      hits: [],
      rejected: [{ reason: 'INGEST_BAD_JSON', detail: (e as Error).message.slice(0, 200) }],
    };
  }
  if (!envelopeCheck.Check(value)) {
    const v = (value as { v?: unknown } | null)?.v;
    const reason: RejectReason =
      value && typeof value === 'object' && 'v' in value && v !== HIT_VERSION
        ? 'INGEST_BAD_VERSION'
        : 'INGEST_BAD_ENVELOPE';
    return {
      hits: [],
      rejected: [{ reason, detail: firstError(envelopeCheck, value) || `unknown version ${String(v)}` }],
    };
  }
  const env = value as { msgId: string; gateway: string; sentMs: number; hits: unknown[] };
  const envelope = { msgId: env.msgId, gateway: env.gateway, sentMs: env.sentMs };
  if (env.gateway !== gateway) {
    return {
      envelope,
      hits: [],
      rejected: [
        { reason: 'INGEST_WRONG_GATEWAY', detail: `envelope names ${env.gateway}, topic ${gateway}` },
      ],
    };
  }
  const hits: Hit[] = [];
  const rejected: Rejection[] = [];
  for (const item of env.hits) {
    const r = checkHit(item);
    if (!r.ok) rejected.push({ reason: r.reason, detail: r.detail, item });
    else if (r.hit.gateway !== gateway)
      rejected.push({ reason: 'INGEST_WRONG_GATEWAY', detail: `hit names ${r.hit.gateway}`, item });
    else if (nowMs !== undefined && r.hit.tsMs > nowMs + LIMITS.futureSkewMs)
      rejected.push({
        reason: 'INGEST_BAD_HIT',
        detail: `/tsMs: ${r.hit.tsMs - nowMs} ms in the future (at most ${LIMITS.futureSkewMs})`,
        item,
      });
    else hits.push(r.hit);
  }
  return { envelope, hits, rejected };
}
