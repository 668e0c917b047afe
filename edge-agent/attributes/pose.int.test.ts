/**
 * PoseEstimator on real person boxes (campus_pedestrians.mp4, bench/eval/labels/person-colours.json):
 * the keypoints land in the box in a standing person's order, and the torso they give names
 * the labelled upper colour.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import { POSE_MODEL } from '../../models/build.js';
import { KEYPOINTS } from '../../models/pose/movenet.js';
import { join } from 'node:path';
import { BUILD_TIMEOUT_MS, builtModelsDir, frameAt } from '../../models/testkit.js';
import { torsoRegion } from './body-regions.js';
import { personColours } from './crops.js';
import { PoseEstimator } from './pose.js';

const data = testDataDir();
/** At 6 s: [box, labelled upper colour]. */
const PEOPLE: Array<[[number, number, number, number], string]> = [
  [[613, 231, 652, 344], 'black'],
  [[504, 202, 533, 285], 'black'],
  [[467, 206, 501, 288], 'blue'],
];

describe.skipIf(!data)(`PoseEstimator on real person boxes${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await builtModelsDir();
  }, BUILD_TIMEOUT_MS);

  it('keypoints inside the box, shoulders above hips above ankles; the torso names the top', async () => {
    const pose = await PoseEstimator.open(dir, POSE_MODEL);
    const frame = await frameAt(join(data!, 'video/campus_pedestrians.mp4'), 6);
    const img = { data: frame.data, widthPx: frame.width, heightPx: frame.height };
    for (const [box, upper] of PEOPLE) {
      const kp = await pose.estimate(frame, box);
      const at = (n: (typeof KEYPOINTS)[number]) => KEYPOINTS.indexOf(n) * 3;
      for (const n of ['leftShoulder', 'rightShoulder', 'leftHip', 'rightHip'] as const) {
        expect(kp[at(n) + 2], `${box} ${n} score`).toBeGreaterThan(0.3);
        expect(kp[at(n)]).toBeGreaterThan(box[0] - 4);
        expect(kp[at(n)]).toBeLessThan(box[2] + 4);
      }
      expect(kp[at('leftShoulder') + 1]).toBeLessThan(kp[at('leftHip') + 1]!);
      expect(kp[at('leftHip') + 1]).toBeLessThan(kp[at('leftAnkle') + 1]!);
      expect(torsoRegion(kp, box)).toBeDefined();
      expect(personColours(img, box, {}, kp).upper.colour, `${box}`).toBe(upper);
    }
    await pose.release();
  }, 60_000);
});
