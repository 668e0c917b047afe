/**
 * The end-to-end ack (docs/ingest.md, "the no-loss chain") on `xueliang/v1/gw/{gateway}/ack`:
 * the ids of messages the central tier now holds durably — envelope `msgId`s and snapshot ids.
 * The gateway deletes them from its spool. Pure; docs/asyncapi.yaml describes it from `AckMessage`.
 */
import { type Static, Type as T } from '@sinclair/typebox';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Ids per ack message; a larger ack is split (keeps each well under MQTT packet limits). */
export const ACK_MAX_IDS = 5_000;

export const AckMessage = T.Object(
  {
    v: T.Literal(1),
    ids: T.Array(T.String({ minLength: 1, maxLength: 64, pattern: ID.source }), {
      maxItems: ACK_MAX_IDS,
      description: 'Envelope msgIds and snapshot ids now held durably, in the order they were queued',
    }),
  },
  { additionalProperties: false, description: 'Ingest → gateway: delete these from your spool' },
);
export type AckMessage = Static<typeof AckMessage>;

export function encodeAck(ids: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ids: [...ids] } satisfies AckMessage));
}

/** The ids of an ack payload, or undefined when it is not one. */
export function parseAck(payload: Uint8Array): string[] | undefined {
  try {
    const v = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<AckMessage>;
    if (v?.v !== 1 || !Array.isArray(v.ids)) return undefined;
    return v.ids.filter((x): x is string => typeof x === 'string' && ID.test(x));
  } catch {
    return undefined;
  }
}
