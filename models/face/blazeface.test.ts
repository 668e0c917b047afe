import { describe, expect, it } from 'vitest';
import { decodeBlazeFace } from './blazeface.js';

/** Levels of the 256-input back model: 16×16×2 and 8×8×6 anchors (896). */
function levels() {
  return [
    {
      stride: 16,
      anchorsPerCell: 2,
      scores: new Float32Array(512).fill(-10),
      boxes: new Float32Array(512 * 16),
    },
    {
      stride: 32,
      anchorsPerCell: 6,
      scores: new Float32Array(384).fill(-10),
      boxes: new Float32Array(384 * 16),
    },
  ];
}

describe('decodeBlazeFace', () => {
  it('places a box at its anchor centre plus the regressed offset, with the regressed size', () => {
    const lv = levels();
    // Level 0, cell (x 3, y 5), second anchor: index (5*16 + 3)*2 + 1.
    const i = (5 * 16 + 3) * 2 + 1;
    lv[0]!.scores[i] = 2;
    lv[0]!.boxes.set([4, -2, 20, 30], i * 16);
    // Level 1, cell (x 7, y 7), anchor 5.
    const j = (7 * 8 + 7) * 6 + 5;
    lv[1]!.scores[j] = 0;
    lv[1]!.boxes.set([0, 0, 64, 64], j * 16);
    const c = decodeBlazeFace(lv, { inputSize: 256, scoreThreshold: 0.4 });
    expect(c.length).toBe(2);
    const cx = 3.5 * 16 + 4;
    const cy = 5.5 * 16 - 2;
    expect(c.xyxy.slice(0, 4)).toEqual([cx - 10, cy - 15, cx + 10, cy + 15]);
    expect(c.score[0]).toBeCloseTo(1 / (1 + Math.exp(-2)));
    expect(c.xyxy.slice(4, 8)).toEqual([240 - 32, 240 - 32, 240 + 32, 240 + 32]);
    expect(c.score[1]).toBeCloseTo(0.5);
  });

  it('drops low scores and empty boxes', () => {
    const lv = levels();
    lv[0]!.scores[0] = 5; // box of size 0
    expect(decodeBlazeFace(lv, { inputSize: 256, scoreThreshold: 0.5 }).length).toBe(0);
  });
});
