import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { CameraRules, checkCameraRules, Line, Rule, Zone } from './rules.js';

/** Every object property in the schema tree, with its path. */
function* properties(schema: TSchema, path = ''): Generator<[string, TSchema]> {
  const s = schema as TSchema & {
    properties?: Record<string, TSchema>;
    items?: TSchema | TSchema[];
    anyOf?: TSchema[];
  };
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    yield [`${path}/${k}`, p];
    yield* properties(p, `${path}/${k}`);
  }
  if (Array.isArray(s.items)) for (const it of s.items) yield* properties(it, `${path}/#`);
  else if (s.items) yield* properties(s.items, `${path}/*`);
  for (const [i, a] of (s.anyOf ?? []).entries()) yield* properties(a, `${path}|${i}`);
}

describe('rules config schema', () => {
  it.each<[string, TSchema]>([
    ['CameraRules', CameraRules],
    ['Zone', Zone],
    ['Line', Line],
    ['Rule', Rule],
  ])('%s: every field has a description and a default, objects forbid extra keys', (_n, schema) => {
    let n = 0;
    for (const [path, p] of properties(schema)) {
      n++;
      expect(p.description, `${path} description`).toBeTruthy();
      expect(p.default, `${path} default`).not.toBeUndefined();
      if ((p as { type?: string }).type === 'object') expect(p.additionalProperties, path).toBe(false);
    }
    expect(n).toBeGreaterThan(2);
  });

  it('fills defaults for a minimal config', () => {
    const v = Value.Default(CameraRules, {
      zones: [{ id: 'z' }],
      rules: [{ type: 'illegal_parking', zone: 'z' }],
    });
    expect(Value.Check(CameraRules, v)).toBe(true);
    expect((v as CameraRules).rules[0]).toMatchObject({
      id: 'illegal-parking',
      enabled: true,
      classes: ['car', 'bus', 'truck', 'motorcycle'],
      minDurationMs: 60_000,
      inertiaFrames: 3,
    });
  });

  it.each<[string, unknown]>([
    [
      'unknown key on a zone',
      {
        zones: [
          {
            id: 'z',
            polygon: [
              [0, 0],
              [1, 0],
              [1, 1],
            ],
            direction: null,
            colour: 'red',
          },
        ],
        lines: [],
        rules: [],
      },
    ],
    [
      'polygon with two points',
      {
        zones: [
          {
            id: 'z',
            polygon: [
              [0, 0],
              [1, 1],
            ],
            direction: null,
          },
        ],
        lines: [],
        rules: [],
      },
    ],
    [
      'coordinates outside 0..1',
      {
        zones: [
          {
            id: 'z',
            polygon: [
              [0, 0],
              [2, 0],
              [1, 1],
            ],
            direction: null,
          },
        ],
        lines: [],
        rules: [],
      },
    ],
    ['unknown rule type', { zones: [], lines: [], rules: [{ type: 'jaywalking', id: 'j' }] }],
  ])('rejects %s', (_n, cfg) => {
    expect(Value.Check(CameraRules, cfg)).toBe(false);
  });

  it('checkCameraRules passes a consistent config', () => {
    const v = Value.Default(CameraRules, {
      zones: [{ id: 'lane', direction: [0, -1] }],
      lines: [{ id: 'gate' }],
      rules: [
        { type: 'wrong_way', zone: 'lane' },
        { type: 'line_crossing', line: 'gate' },
      ],
    }) as CameraRules;
    expect(checkCameraRules(v, ['person', 'car', 'bus', 'truck', 'motorcycle', 'bicycle'])).toEqual([]);
  });
});
