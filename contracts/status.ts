/**
 * The gateway status contract, v1 (docs/architecture.md#contracts, #edge-agent): what an edge agent publishes retained on
 * `xueliang/v1/gw/{gateway}/status` when a camera's state changes and every STATUS_EVERY_MS,
 * with the last will `offline` (the bare word) for when it vanishes. The ingest tier keeps the
 * newest per gateway; `GET /api/v1/cameras` passes each camera's part on. Pure.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** How often a running agent republishes its status (counters, fps, last frame). */
export const STATUS_EVERY_MS = 30_000;

/** Largest status message accepted, bytes (about 250 cameras' worth). */
export const STATUS_MAX_BYTES = 64 * 1024;

/** The last will: what the broker publishes when the agent's connection dies. */
export const STATUS_OFFLINE = 'offline';

export const SOURCE_STATES = [
  'connecting',
  'streaming',
  'stalled',
  'reconnecting',
  'ended',
  'stopped',
] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

const Count = T.Integer({ minimum: 0 });
const Ms = T.Integer({ minimum: 0, description: 'Epoch ms' });

export const CameraStatus = T.Object(
  {
    state: T.Union(
      SOURCE_STATES.map((s) => T.Literal(s)),
      { description: 'The camera source: streaming, or why not' },
    ),
    tsMs: T.Integer({ minimum: 0, description: 'When the state last changed, epoch ms' }),
    reconnects: Count,
    framesIn: Count,
    lastFrameMs: T.Union([Ms, T.Null()]),
    framesProcessed: Count,
    framesDropped: Count,
    fps: T.Optional(
      T.Number({ minimum: 0, maximum: 1000, description: 'Frames processed per second lately' }),
    ),
    error: T.Optional(T.Object({ code: T.String({ maxLength: 64 }), message: T.String({ maxLength: 512 }) })),
    retryInMs: T.Optional(Count),
    blurFaces: T.Optional(
      T.Boolean({
        description:
          "Whether faces in this camera's snapshots are blurred at the edge (snapshots.blurFaces; false only by explicit config, docs/privacy.md). Absent from agents that predate it",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CameraStatus = Static<typeof CameraStatus>;

export const GatewayStatus = T.Object(
  {
    v: T.Literal(1),
    gateway: T.String({ minLength: 1, maxLength: 64 }),
    state: T.Union([T.Literal('online'), T.Literal('stopped')]),
    tsMs: Ms,
    cameras: T.Record(T.String({ maxLength: 64 }), CameraStatus),
  },
  { additionalProperties: false },
);
export type GatewayStatus = Static<typeof GatewayStatus>;

const check = TypeCompiler.Compile(GatewayStatus);

export type ParsedStatus =
  | { ok: true; status: GatewayStatus | { state: typeof STATUS_OFFLINE } }
  | { ok: false; reason: 'INGEST_BAD_STATUS' | 'INGEST_OVERSIZE'; detail: string };

/** A status message of `gateway`: its document, the last will, or why it is refused. */
export function parseStatus(payload: Uint8Array, gateway: string): ParsedStatus {
  if (payload.byteLength > STATUS_MAX_BYTES)
    return {
      ok: false,
      reason: 'INGEST_OVERSIZE',
      detail: `${payload.byteLength} bytes > ${STATUS_MAX_BYTES}`,
    };
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  if (text === STATUS_OFFLINE) return { ok: true, status: { state: STATUS_OFFLINE } };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'INGEST_BAD_STATUS', detail: 'not JSON and not "offline"' };
  }
  if (!check.Check(doc)) {
    const e = check.Errors(doc).First();
    return {
      ok: false,
      reason: 'INGEST_BAD_STATUS',
      detail: e ? `${e.path || '/'}: ${e.message}` : 'invalid',
    };
  }
  if (doc.gateway !== gateway)
    return { ok: false, reason: 'INGEST_BAD_STATUS', detail: `gateway ${doc.gateway} on ${gateway}'s topic` };
  return { ok: true, status: doc };
}
