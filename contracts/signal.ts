/**
 * A traffic-signal controller's phases, v1 (docs/iot.md): on
 * `xueliang/v1/signal/{controller}/phase`, retained, re-sent at least every few seconds and on
 * every change. `approaches` maps an approach name (as the gateway's red_light rules name it)
 * to its current phase. Edge agents subscribe to the controllers their rules name and turn a
 * directed line crossing during red into a `red_light` event (edge-agent/rules/red-light.ts).
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const SIGNAL_VERSION = 1 as const;
export const PHASES = ['red', 'amber', 'green', 'off'] as const;
export type Phase = (typeof PHASES)[number];

export const APPROACH_PATTERN = '^[a-z0-9][a-z0-9_-]{0,31}$';

export const SignalPhase = T.Object(
  {
    v: T.Literal(SIGNAL_VERSION),
    controller: T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' }),
    tsMs: T.Integer({
      minimum: 946684800000,
      maximum: 4102444800000,
      description: 'When this phase began (or was re-sent), epoch ms',
    }),
    approaches: T.Record(T.String({ pattern: APPROACH_PATTERN }), T.Union(PHASES.map((p) => T.Literal(p))), {
      maxProperties: 32,
      additionalProperties: false,
      description: 'Approach name → phase',
    }),
  },
  { additionalProperties: false },
);
export type SignalPhase = Static<typeof SignalPhase>;

const check = TypeCompiler.Compile(SignalPhase);

/** A phase message from `controller`'s topic, or undefined when it is not one (never throws). */
export function parseSignalPhase(payload: Uint8Array, controller: string): SignalPhase | undefined {
  if (payload.byteLength > 16 * 1024) return undefined;
  try {
    const v: unknown = JSON.parse(
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'),
    );
    return check.Check(v) && v.controller === controller ? v : undefined;
  } catch {
    return undefined;
  }
}
