/**
 * Body keypoints of a person box for clothing colours (crops.ts): MoveNet Lightning
 * (models/build.ts POSE_MODEL) on the box, widened by {@link BOX_MARGIN} and letterboxed to
 * the model's square input, decoded by models/pose/movenet.ts and mapped back to frame pixels.
 */
import { cropFrame, type RgbFrame } from '../../models/frame.js';
import { loadModel } from '../../models/manifest.js';
import { openSession, type ModelSession } from '../../models/onnx-session.js';
import { decodeMoveNet, KEYPOINTS } from '../../models/pose/movenet.js';
import { prepareInput } from '../../models/preprocess.js';
import type { Box } from '../geometry.js';

/** Keypoints in frame pixels: [x, y, score] per keypoint in models/pose/movenet.ts order. */
export type BodyKeypoints = Float32Array;

/** The box is widened by this fraction of its size on each side: MoveNet wants the whole body. */
const BOX_MARGIN = 0.1;

export class PoseEstimator {
  private constructor(
    private readonly session: ModelSession,
    private readonly entry: Awaited<ReturnType<typeof loadModel>>['entry'],
  ) {}

  static async open(modelsDir: string, name: string, threads = 1): Promise<PoseEstimator> {
    const { entry, path } = await loadModel(modelsDir, name);
    if (entry.decoder.kind !== 'movenet') throw new Error(`${name} is not a MoveNet model`);
    return new PoseEstimator(await openSession(path, { threads }), entry);
  }

  /** Keypoints of the person in `boxPx` of `frame`. */
  async estimate(frame: RgbFrame, boxPx: Box): Promise<BodyKeypoints> {
    const d = this.entry.decoder;
    if (d.kind !== 'movenet') throw new Error('not movenet');
    const mw = (boxPx[2] - boxPx[0]) * BOX_MARGIN;
    const mh = (boxPx[3] - boxPx[1]) * BOX_MARGIN;
    const x1 = Math.max(0, Math.floor(boxPx[0] - mw));
    const y1 = Math.max(0, Math.floor(boxPx[1] - mh));
    const crop = cropFrame(frame, x1, y1, boxPx[2] + mw, boxPx[3] + mh);
    const inp = await prepareInput(crop, this.entry.input, this.entry.preprocess);
    const out = await this.session.run({ [this.entry.input.name]: inp });
    const grid = out[d.heatmap]!.dims[1]!;
    const pose = decodeMoveNet({
      heatmap: out[d.heatmap]!.data,
      centre: out[d.centre]!.data,
      regress: out[d.regress]!.data,
      offset: out[d.offset]!.data,
      grid,
    });
    const t = inp.transform;
    const W = this.entry.input.width;
    const H = this.entry.input.height;
    const kp = new Float32Array(KEYPOINTS.length * 3);
    for (let k = 0; k < KEYPOINTS.length; k++) {
      kp[3 * k] = x1 + (pose.yxs[3 * k + 1]! * W - t.padX) / t.scaleX;
      kp[3 * k + 1] = y1 + (pose.yxs[3 * k]! * H - t.padY) / t.scaleY;
      kp[3 * k + 2] = pose.yxs[3 * k + 2]!;
    }
    return kp;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
