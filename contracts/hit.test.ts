import { describe, expect, it } from 'vitest';
import { makeEnvelope, makeHit } from './testkit.js';
import { checkHit, MAX_JSON_DEPTH, parseHitsMessage } from './validate.js';
import { parseTopic, topics } from './topics.js';

const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('Hit v1 validation', () => {
  it('accepts the DESIGN example and a minimal event', () => {
    expect(checkHit(makeHit()).ok).toBe(true);
    const ev = makeHit({
      kind: 'event',
      type: 'illegal_parking',
      rule: 'no-parking-gate',
      zone: 'gate',
      attrs: {},
    });
    expect(checkHit(ev).ok).toBe(true);
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['score as string', { score: '0.9' }, 'INGEST_BAD_HIT'],
    ['missing camera', { camera: undefined }, 'INGEST_BAD_HIT'],
    ['box outside 0..1', { box: [0.1, 0.2, 1.2, 0.5] }, 'INGEST_BAD_HIT'],
    ['negative box', { box: [-0.1, 0.2, 0.3, 0.5] }, 'INGEST_BAD_HIT'],
    ['NaN-like box (null)', { box: [null, 0.2, 0.3, 0.5] }, 'INGEST_BAD_HIT'],
    ['inverted box', { box: [0.5, 0.2, 0.3, 0.5] }, 'INGEST_BAD_HIT'],
    ['box with 3 values', { box: [0.1, 0.2, 0.3] }, 'INGEST_BAD_HIT'],
    [
      'inverted snapshot crop',
      { snapshot: '01JDSNAP', snapshotCrop: [0.5, 0.2, 0.3, 0.5] },
      'INGEST_BAD_HIT',
    ],
    ['empty snapshot crop', { snapshot: '01JDSNAP', snapshotCrop: [0.5, 0.2, 0.5, 0.5] }, 'INGEST_BAD_HIT'],
    [
      'snapshot crop outside 0..1',
      { snapshot: '01JDSNAP', snapshotCrop: [0.1, 0.2, 0.3, 1.5] },
      'INGEST_BAD_HIT',
    ],
    ['unknown version', { v: 2 }, 'INGEST_BAD_VERSION'],
    ['oversize label', { label: 'a'.repeat(65) }, 'INGEST_BAD_HIT'],
    ['oversize id', { id: 'A'.repeat(65) }, 'INGEST_BAD_HIT'],
    ['camera with slash', { camera: 'cam/../x' }, 'INGEST_BAD_HIT'],
    ['unknown field', { extra: 1 }, 'INGEST_BAD_HIT'],
    ['unknown colour', { attrs: { color: 'beige' } }, 'INGEST_BAD_HIT'],
    ['demographic attribute', { attrs: { age: 30 } }, 'INGEST_BAD_HIT'],
    ['oversize plate', { attrs: { plate: '浙'.repeat(17) } }, 'INGEST_BAD_HIT'],
    ['ts in the year 1970', { tsMs: 1000 }, 'INGEST_BAD_HIT'],
    ['unknown kind', { kind: 'face' }, 'INGEST_BAD_HIT'],
    ['appearance not base64', { appearance: '<script>' }, 'INGEST_BAD_HIT'],
  ];
  it.each(bad)('rejects %s', (_name, over, reason) => {
    const h = { ...makeHit(), ...over } as Record<string, unknown>;
    for (const k of Object.keys(over)) if (over[k] === undefined) delete h[k];
    const r = checkHit(h);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.detail.length).toBeGreaterThan(0);
    }
  });
});

describe('parseHitsMessage', () => {
  it('keeps valid hits and rejects the bad ones of one envelope', () => {
    const good = [makeHit(), makeHit()];
    const env = { ...makeEnvelope(good), hits: [...good, { ...makeHit(), score: 7 }] };
    const r = parseHitsMessage(bytes(env), 'gw-test-01');
    expect(r.hits).toHaveLength(2);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]?.reason).toBe('INGEST_BAD_HIT');
    expect(r.envelope?.msgId).toBe(env.msgId);
  });

  it.each([
    ['truncated JSON', '{"v":1,"msgId":"01', 'INGEST_BAD_JSON'],
    ['binary garbage', '\u0000\u00ff\u00fe', 'INGEST_BAD_JSON'],
    ['not an envelope', '[1,2,3]', 'INGEST_BAD_ENVELOPE'],
    [
      'envelope version 9',
      JSON.stringify({ v: 9, msgId: 'x', gateway: 'gw-test-01', sentMs: 1, hits: [] }),
      'INGEST_BAD_VERSION',
    ],
  ])('rejects %s as a whole', (_n, payload, reason) => {
    const r = parseHitsMessage(bytes(payload), 'gw-test-01');
    expect(r.hits).toHaveLength(0);
    expect(r.rejected[0]?.reason).toBe(reason);
  });

  it('rejects an envelope or hit naming another gateway', () => {
    expect(parseHitsMessage(bytes(makeEnvelope([makeHit()])), 'gw-other').rejected[0]?.reason).toBe(
      'INGEST_WRONG_GATEWAY',
    );
    const env = makeEnvelope([makeHit({ gateway: 'gw-other' })], { gateway: 'gw-test-01' });
    const r = parseHitsMessage(bytes(env), 'gw-test-01');
    expect(r.rejected[0]?.reason).toBe('INGEST_WRONG_GATEWAY');
  });

  it('rejects an oversize payload without parsing it', () => {
    const r = parseHitsMessage(Buffer.alloc(5 * 1024 * 1024, 0x20), 'gw-test-01');
    expect(r.rejected[0]?.reason).toBe('INGEST_OVERSIZE');
  });
});

describe('topics', () => {
  it('round-trips every builder', () => {
    expect(parseTopic(topics.hits('gw-1'))).toEqual({ kind: 'hits', gateway: 'gw-1' });
    expect(parseTopic(topics.snapshot('gw-1', '01ABC'))).toEqual({
      kind: 'snapshot',
      gateway: 'gw-1',
      snapshotId: '01ABC',
    });
    expect(parseTopic(topics.ack('gw-1'))).toEqual({ kind: 'ack', gateway: 'gw-1' });
    expect(parseTopic(topics.gridTasks('g-7'))).toEqual({ kind: 'gridTasks', gridId: 'g-7' });
  });
  it.each([
    'xueliang/v1/gw/../hits',
    'xueliang/v2/gw/a/hits',
    'xueliang/v1/gw/a/hits/x',
    'other',
    'xueliang/v1/gw//hits',
  ])('rejects %s', (t) => expect(parseTopic(t)).toBeUndefined());
});

describe('hostile hits (docs/security.md)', () => {
  it('quarantines hits dated past the receiver clock plus the skew', () => {
    const nowMs = Date.now();
    const e = makeEnvelope([makeHit({ tsMs: nowMs }), makeHit({ tsMs: nowMs + 60 * 86_400_000 })]);
    const r = parseHitsMessage(Buffer.from(JSON.stringify(e)), e.gateway, nowMs);
    expect(r.hits).toHaveLength(1);
    expect(r.rejected[0]).toMatchObject({ reason: 'INGEST_BAD_HIT' });
  });
  it('refuses control and bidi characters in plates', () => {
    expect(checkHit({ ...makeHit(), attrs: { plate: '浙A12345' } }).ok).toBe(true);
    for (const plate of ['浙A1\u202E2345', '浙A\u00001234', '浙A\u200B1234', '浙A 12345'])
      expect(checkHit({ ...makeHit(), attrs: { plate } }).ok).toBe(false);
  });
  it('refuses nesting deeper than MAX_JSON_DEPTH before parsing', () => {
    const deep = `{"v":1,"msgId":"m1","gateway":"g","sentMs":1,"hits":[${'['.repeat(5000)}${']'.repeat(5000)}]}`;
    expect(parseHitsMessage(Buffer.from(deep), 'g').rejected[0]).toMatchObject({ reason: 'INGEST_BAD_JSON' });
    expect(MAX_JSON_DEPTH).toBeGreaterThanOrEqual(4);
  });
});
