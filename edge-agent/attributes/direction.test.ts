import { describe, expect, it } from 'vitest';
import type { Point } from '../geometry.js';
import { bearingDeg, type Direction, directionOf } from './direction.js';

describe('directionOf', () => {
  it.each<[string, Point, Point, { cameraHeadingDeg?: number; aspect?: number }, Direction | undefined]>([
    ['up the image is north', [0.5, 0.8], [0.5, 0.2], {}, 'northbound'],
    ['down is south', [0.5, 0.2], [0.5, 0.8], {}, 'southbound'],
    ['right is east', [0.2, 0.5], [0.8, 0.5], {}, 'eastbound'],
    ['left is west', [0.8, 0.5], [0.2, 0.5], {}, 'westbound'],
    ['up-right is north-east', [0.2, 0.8], [0.6, 0.4], {}, 'northeastbound'],
    ['down-left is south-west', [0.6, 0.4], [0.2, 0.8], {}, 'southwestbound'],
    ['camera facing east: up is east', [0.5, 0.8], [0.5, 0.2], { cameraHeadingDeg: 90 }, 'eastbound'],
    ['camera facing south: right is west', [0.2, 0.5], [0.8, 0.5], { cameraHeadingDeg: 180 }, 'westbound'],
    // In a 16:9 frame a normalised (0.2, -0.2) step is wide: mostly east.
    ['aspect-corrected diagonal', [0.4, 0.6], [0.6, 0.4], { aspect: 16 / 9 }, 'northeastbound'],
    ['barely moved: no direction', [0.5, 0.5], [0.51, 0.5], {}, undefined],
  ])('%s', (_n, from, to, opts, want) => {
    expect(directionOf(from, to, opts)).toBe(want);
  });

  it('bearing is in 0..360', () => {
    expect(bearingDeg([0.5, 0.5], [0.4, 0.5])).toBeCloseTo(270, 6);
    expect(bearingDeg([0.5, 0.5], [0.5, 0.4], 1, -90)).toBeCloseTo(270, 6);
  });
});
