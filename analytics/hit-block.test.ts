import { describe, expect, it } from 'vitest';
import { makeHit } from '../contracts/testkit.js';
import { hitLine, hitsToBlock } from './hit-block.js';
import { hitToRow } from './hit-rows.js';

describe('hitLine', () => {
  it('gives the line hitsToBlock gives for the hit as a row, with and without optional fields', () => {
    const place = { grid: 'grid-1', orgPath: ['city', 'county', 'grid-1'] };
    const hits = [
      makeHit(),
      (({ attrs: _a, track: _t, durationMs: _d, model: _m, ...bare }) => bare)(makeHit()),
      makeHit({
        kind: 'event',
        zone: 'gate',
        rule: 'zone_intrusion',
        appearance: 'AAAA',
        snapshot: 's1',
        snapshotCrop: [0.1, 0.1, 0.9, 0.9],
        frame: 'f1',
        attrs: {
          upperColor: 'red',
          lowerColor: 'black',
          color2: 'grey',
          upperColor2: 'white',
          lowerColor2: 'blue',
        },
      }),
    ];
    for (const h of hits) {
      for (const p of [place, undefined]) expect(hitLine(h, p)).toBe(hitsToBlock([hitToRow(h, p)]).data);
    }
  });
});
