import { describe, expect, it } from 'vitest';
import { type GatewayStatus, parseStatus, STATUS_MAX_BYTES } from './status.js';

// calendar-safe: a pure function of the time it is given (no store, no clock).
const T = 1_790_000_000_000;

const doc = (over: Partial<GatewayStatus> = {}): GatewayStatus => ({
  v: 1,
  gateway: 'gw-1',
  state: 'online',
  tsMs: T,
  cameras: {
    'cam-1': {
      state: 'streaming',
      tsMs: T,
      reconnects: 0,
      framesIn: 120,
      lastFrameMs: T + 500,
      framesProcessed: 118,
      framesDropped: 2,
      fps: 4.9,
    },
    'cam-2': {
      state: 'reconnecting',
      tsMs: T,
      reconnects: 3,
      framesIn: 0,
      lastFrameMs: null,
      framesProcessed: 0,
      framesDropped: 0,
      error: { code: 'EDGE_SOURCE_FAILED', message: 'Connection refused' },
      retryInMs: 4000,
    },
  },
  ...over,
});
const bytes = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));

describe('gateway status contract', () => {
  it('accepts a status document and the last will', () => {
    expect(parseStatus(bytes(doc()), 'gw-1')).toEqual({ ok: true, status: doc() });
    expect(parseStatus(bytes('offline'), 'gw-1')).toEqual({ ok: true, status: { state: 'offline' } });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{"v":1,', 'INGEST_BAD_STATUS'],
    ['another word', 'online', 'INGEST_BAD_STATUS'],
    ['another gateway', doc({ gateway: 'gw-2' }), 'INGEST_BAD_STATUS'],
    ['unknown version', { ...doc(), v: 2 }, 'INGEST_BAD_STATUS'],
    [
      'unknown camera state',
      { ...doc(), cameras: { c: { ...doc().cameras['cam-1']!, state: 'dancing' } } },
      'INGEST_BAD_STATUS',
    ],
    [
      'negative count',
      { ...doc(), cameras: { c: { ...doc().cameras['cam-1']!, framesIn: -1 } } },
      'INGEST_BAD_STATUS',
    ],
    ['extra field', { ...doc(), secret: 1 }, 'INGEST_BAD_STATUS'],
    ['oversize', 'x'.repeat(STATUS_MAX_BYTES + 1), 'INGEST_OVERSIZE'],
  ])('refuses %s', (_name, payload, reason) => {
    const r = parseStatus(bytes(payload), 'gw-1');
    expect(r).toMatchObject({ ok: false, reason });
    expect(r.ok ? '' : r.detail).not.toBe('');
  });
});
