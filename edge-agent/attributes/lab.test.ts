import { describe, expect, it } from 'vitest';
import type { Colour } from '../../contracts/hit.js';
import { isRedTint, LAB_NAMING, nameOfLab, nameOfRgb, rgbToLab } from './lab.js';

describe('rgbToLab', () => {
  it.each<[[number, number, number], [number, number, number]]>([
    [
      [255, 255, 255],
      [100, 0, 0],
    ],
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    // Reference values of the sRGB primaries (D65).
    [
      [255, 0, 0],
      [53.24, 80.09, 67.2],
    ],
    [
      [0, 0, 255],
      [32.3, 79.19, -107.86],
    ],
    [
      [128, 128, 128],
      [53.59, 0, 0],
    ],
  ])('%j → %j', (rgb, want) => {
    const got = rgbToLab(...rgb);
    for (let k = 0; k < 3; k++) expect(got[k]).toBeCloseTo(want[k]!, 0);
  });
});

describe('nameOfRgb', () => {
  it.each<[string, [number, number, number], Colour]>([
    ['pure red', [220, 20, 20], 'red'],
    ['bus red in shade', [140, 30, 35], 'red'],
    ['orange', [250, 140, 20], 'orange'],
    ['brown', [120, 70, 30], 'brown'],
    ['yellow', [240, 220, 40], 'yellow'],
    ['green', [40, 160, 60], 'green'],
    ['grass in the campus footage', [80, 120, 40], 'green'],
    ['sky blue', [80, 150, 230], 'blue'],
    ['faded denim (low saturation)', [100, 120, 150], 'blue'],
    ['dark denim in shade', [45, 55, 75], 'blue'],
    ['navy jacket', [30, 35, 70], 'blue'],
    ['purple', [110, 40, 170], 'purple'],
    ['light pink', [250, 170, 180], 'pink'],
    ['magenta', [230, 60, 180], 'pink'],
    ['dark red (maroon) stays red', [110, 15, 20], 'red'],
    ['teal counts as green', [0, 150, 120], 'green'],
    ['olive is brown when dark', [100, 90, 20], 'brown'],
    ['very dark blue is black', [10, 10, 40], 'black'],
    ['black', [15, 15, 20], 'black'],
    ['black cloth with a blue cast', [22, 24, 30], 'black'],
    ['charcoal', [60, 60, 65], 'black'],
    ['grey', [128, 128, 128], 'grey'],
    ['bluish grey pavement', [120, 128, 136], 'grey'],
    ['white paint under dim CCTV gamma', [150, 152, 150], 'white'],
    ['white with a green-yellow daylight cast', [215, 222, 200], 'white'],
    ['off-white', [225, 220, 210], 'white'],
  ])('%s', (_n, rgb, want) => {
    expect(nameOfRgb(...rgb)).toBe(want);
  });

  it('takes other cut-offs (calibration)', () => {
    const lab = rgbToLab(150, 152, 150);
    expect(nameOfLab(...lab)).toBe('white');
    expect(nameOfLab(...lab, { ...LAB_NAMING, whiteL: 70 })).toBe('grey');
  });
});

describe('isRedTint', () => {
  it('needs the chroma at a red hue (345°–50°)', () => {
    expect(isRedTint(5.8, 0.6, 5)).toBe(true); // the labelled maroon car's mean tint, 6°
    expect(isRedTint(4, 0.5, 5)).toBe(false); // too faint
    expect(isRedTint(-4, -5, 5)).toBe(false); // 231°: the blue-grey cast of grey cars
    expect(isRedTint(6, -3, 5)).toBe(false); // 333°: purple, outside the red sector
  });
});
