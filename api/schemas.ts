/** TypeBox pieces the route schemas share (they also make the OpenAPI document at /docs). */
import { Type as T } from '@sinclair/typebox';
import { COLOURS } from '../contracts/hit.js';

export const IdPattern = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';

export const Time = (description: string) => T.String({ minLength: 1, maxLength: 40, description });
export const From = Time('Start (inclusive): epoch ms or ISO-8601');
export const To = Time('End (exclusive): epoch ms or ISO-8601');
export const Id = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: IdPattern, description });
export const Word = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$', description });
export const ColourParam = (description: string) =>
  T.Union(
    COLOURS.map((c) => T.Literal(c)),
    { description },
  );
export const CameraList = T.Union([Id('Camera id'), T.Array(Id('Camera id'), { maxItems: 200 })], {
  description: 'Camera id (repeatable)',
});
export const CaseId = Id('Open case this sensitive search belongs to (POST /api/v1/cases)');
export const Limit = (def: number, max: number) =>
  T.Integer({ minimum: 1, maximum: max, default: def, description: `Page size (at most ${max})` });

export const ErrorBody = T.Object(
  { code: T.String(), message: T.String() },
  { description: 'An error with a code (docs/errors.md)' },
);

export function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
