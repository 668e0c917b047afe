import { describe, expect, it } from 'vitest';
import { KEYPOINTS } from '../../models/pose/movenet.js';
import { BODY_REGION_DEFAULTS, legsRegion, torsoRegion } from './body-regions.js';
import { personColours } from './crops.js';
import { paint, solidImage } from './testkit.js';

type Pt = [number, number, number];
/** Keypoints [x, y, score] by name; the rest score 0. */
function keypoints(pts: Partial<Record<(typeof KEYPOINTS)[number], Pt>>): Float32Array {
  const kp = new Float32Array(KEYPOINTS.length * 3);
  KEYPOINTS.forEach((n, k) => {
    const p = pts[n];
    if (p) kp.set(p, 3 * k);
  });
  return kp;
}

/** A person standing in box [40, 20, 160, 300]: shoulders at y 80, hips at 170, knees 230, ankles 280. */
const STANDING = keypoints({
  leftShoulder: [120, 80, 0.8],
  rightShoulder: [80, 80, 0.8],
  leftHip: [115, 170, 0.7],
  rightHip: [85, 170, 0.7],
  leftKnee: [115, 230, 0.6],
  rightKnee: [85, 230, 0.6],
  leftAnkle: [115, 280, 0.5],
  rightAnkle: [85, 280, 0.5],
});
const BOX: [number, number, number, number] = [40, 20, 160, 300];

describe('torsoRegion / legsRegion', () => {
  it('torso between the shoulders and the hips, narrowed about the middle line', () => {
    const r = torsoRegion(STANDING, BOX)!;
    expect(r[1]).toBeCloseTo(80 + BODY_REGION_DEFAULTS.torsoTop * 90);
    expect(r[3]).toBeCloseTo(80 + BODY_REGION_DEFAULTS.torsoBottom * 90);
    expect((r[0] + r[2]) / 2).toBeCloseTo(100);
    expect(r[2] - r[0]).toBeCloseTo(40 * BODY_REGION_DEFAULTS.torsoWidth);
  });

  it('legs from the hips to half-way between the knees and the ankles', () => {
    const r = legsRegion(STANDING, BOX)!;
    expect(r[1]).toBeGreaterThan(170);
    expect(r[3]).toBeCloseTo(255);
    expect(r[0]).toBeGreaterThanOrEqual(BOX[0]);
  });

  it('undefined without confident shoulders or knees, or upside down', () => {
    const weak = Float32Array.from(STANDING);
    weak[3 * KEYPOINTS.indexOf('leftShoulder') + 2] = 0.1;
    expect(torsoRegion(weak, BOX)).toBeUndefined();
    const noKnees = Float32Array.from(STANDING);
    noKnees[3 * KEYPOINTS.indexOf('leftKnee') + 2] = 0;
    noKnees[3 * KEYPOINTS.indexOf('rightKnee') + 2] = 0;
    expect(legsRegion(noKnees, BOX)).toBeUndefined();
    const flipped = Float32Array.from(STANDING);
    for (const n of ['leftShoulder', 'rightShoulder'] as const) flipped[3 * KEYPOINTS.indexOf(n) + 1] = 200;
    expect(torsoRegion(flipped, BOX)).toBeUndefined();
  });
});

describe('personColours with keypoints', () => {
  // A person whose box is loose: the head and hair fill the box's upper band down to y 110,
  // the red shirt is where the keypoints say (shoulders 110 → hips 200), blue trousers below.
  const img = paint(
    paint(
      paint(solidImage(200, 320, [128, 128, 128]), [70, 20, 130, 110], [90, 60, 30]),
      [70, 110, 130, 200],
      [200, 30, 30],
    ),
    [75, 200, 125, 300],
    [30, 60, 200],
  );
  const kp = keypoints({
    leftShoulder: [125, 110, 0.8],
    rightShoulder: [75, 110, 0.8],
    leftHip: [115, 200, 0.7],
    rightHip: [85, 200, 0.7],
    leftKnee: [115, 250, 0.6],
    rightKnee: [85, 250, 0.6],
  });

  it('the bands read the hair as the top; the torso from the keypoints reads the shirt', () => {
    expect(personColours(img, BOX).upper.colour).toBe('brown');
    const r = personColours(img, BOX, {}, kp);
    expect(r.upper.colour).toBe('red');
    expect(r.lower.colour).toBe('blue');
  });

  it('falls back to the bands when the keypoints are not confident', () => {
    const weak = kp.map((v, i) => (i % 3 === 2 ? 0.05 : v));
    expect(personColours(img, BOX, {}, weak).upper.colour).toBe(personColours(img, BOX).upper.colour);
  });
});
