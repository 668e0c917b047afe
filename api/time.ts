/** Parsing of `from`/`to` query values: epoch milliseconds or ISO-8601. Pure. */
import { XlError } from '../contracts/errors.js';

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseTimeMs(value: string, name: string): number {
  const v = value.trim();
  let ms: number;
  if (/^\d{1,15}$/.test(v)) ms = Number(v);
  else if (ISO.test(v)) ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  else
    throw new XlError(
      'API_BAD_RANGE',
      `${name} must be epoch milliseconds or ISO-8601, got '${v.slice(0, 40)}'`,
    );
  if (!Number.isFinite(ms) || ms < 0 || ms > 4102444800000) {
    throw new XlError('API_BAD_RANGE', `${name} is out of range: '${v.slice(0, 40)}'`);
  }
  return ms;
}

export function parseRange(from: string, to: string, maxDays: number): { fromMs: number; toMs: number } {
  const fromMs = parseTimeMs(from, 'from');
  const toMs = parseTimeMs(to, 'to');
  if (toMs <= fromMs) throw new XlError('API_BAD_RANGE', 'to must be after from');
  if (toMs - fromMs > maxDays * 86_400_000)
    throw new XlError('API_BAD_RANGE', `the range may span at most ${maxDays} days`);
  return { fromMs, toMs };
}
