/**
 * MoveNet conversion check (docs/models.md): the original TF.js graph (@tensorflow/tfjs, cpu
 * backend) run to its own keypoint output, against the converted ONNX heads decoded by
 * models/pose/movenet.ts, on the same letterboxed person crops of a real campus frame
 * (person boxes from bench/eval/labels/person-colours.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import { POSE_MODEL } from '../build.js';
import { cropFrame } from '../frame.js';
import { loadModel } from '../manifest.js';
import { openSession } from '../onnx-session.js';
import { prepareInput } from '../preprocess.js';
import { BUILD_TIMEOUT_MS, builtModelsDir, frameAt } from '../testkit.js';
import { decodeMoveNet, KEYPOINTS } from './movenet.js';

const data = testDataDir();
/** Person boxes on campus_pedestrians.mp4 at 6 s (person-colours.json), widened as pose.ts does. */
const BOXES: Array<[number, number, number, number]> = [
  [613, 231, 652, 344],
  [467, 206, 501, 288],
  [504, 202, 533, 285],
];

describe.skipIf(!data)(
  `MoveNet: TF.js graph vs converted heads + JS decoding${data ? '' : ` (${NO_TEST_DATA})`}`,
  () => {
    let dir = '';
    beforeAll(async () => {
      dir = await builtModelsDir();
      await tf.setBackend('cpu');
    }, BUILD_TIMEOUT_MS);

    it('same keypoints and scores on real person crops', async () => {
      const { entry, path } = await loadModel(dir, POSE_MODEL);
      const d = entry.decoder;
      if (d.kind !== 'movenet') throw new Error('not movenet');
      const session = await openSession(path, { threads: 1 });
      const j = JSON.parse(readFileSync(join(dir, 'tfjs/movenet-lightning.json'), 'utf8'));
      const bin = readFileSync(join(dir, 'tfjs/movenet-lightning.bin'));
      const model = await tf.loadGraphModel(
        tf.io.fromMemory({
          modelTopology: j.modelTopology,
          weightSpecs: j.weightsManifest[0].weights,
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
        }),
      );
      const frame = await frameAt(join(data!, 'video/campus_pedestrians.mp4'), 6);
      let confident = 0;
      for (const b of BOXES) {
        const mw = (b[2] - b[0]) * 0.1;
        const mh = (b[3] - b[1]) * 0.1;
        const crop = cropFrame(frame, b[0] - mw, b[1] - mh, b[2] + mw, b[3] + mh);
        const inp = await prepareInput(crop, entry.input, entry.preprocess);
        const ref = model.execute(tf.tensor(Int32Array.from(inp.data), inp.dims, 'int32')) as tf.Tensor;
        const graph = ref.dataSync() as Float32Array;
        ref.dispose();
        const out = await session.run({ [entry.input.name]: inp });
        const ours = decodeMoveNet({
          heatmap: out[d.heatmap]!.data,
          centre: out[d.centre]!.data,
          regress: out[d.regress]!.data,
          offset: out[d.offset]!.data,
          grid: out[d.heatmap]!.dims[1]!,
        }).yxs;
        expect(ours.length).toBe(graph.length);
        for (let k = 0; k < KEYPOINTS.length; k++) {
          for (let c = 0; c < 3; c++)
            expect(Math.abs(ours[3 * k + c]! - graph[3 * k + c]!), `${b} ${KEYPOINTS[k]} ${c}`).toBeLessThan(
              1e-3,
            );
          if (graph[3 * k + 2]! > 0.3) confident++;
        }
        // Hand check: a standing person's shoulders are above the hips, the hips above the ankles.
        const y = (name: string) => ours[3 * KEYPOINTS.indexOf(name as (typeof KEYPOINTS)[number])]!;
        expect(y('leftShoulder')).toBeLessThan(y('leftHip'));
        expect(y('leftHip')).toBeLessThan(y('leftAnkle'));
      }
      expect(confident).toBeGreaterThan(BOXES.length * 8);
      await session.release();
    }, 120_000);
  },
);
