/**
 * The face detector used only to blur faces (docs/privacy.md): a BlazeFace model from the
 * manifest (task `face-detect`), run on a snapshot crop, returning face boxes in crop
 * pixels. It keeps nothing: no crops, no embeddings, no landmarks leave this module.
 */
import { XlError } from '../../contracts/errors.js';
import { nmsClasswise } from '../decoders/nms.js';
import type { Detections } from '../detections.js';
import type { RgbFrame } from '../frame.js';
import type { ModelEntry } from '../manifest.js';
import type { ModelSession, TensorOut } from '../onnx-session.js';
import { prepareInput, unmapBoxes } from '../preprocess.js';
import { decodeBlazeFace } from './blazeface.js';

export interface FaceDetectOptions {
  /** Sigmoid score threshold (low: a missed face is a privacy failure). */
  minScore: number;
  iouThreshold?: number;
}

/** Finds faces in an RGB image; boxes in image pixels, class 0. */
export interface FaceDetectorPort {
  detectFaces(img: RgbFrame, opts: FaceDetectOptions): Promise<Detections>;
}

function need(out: Record<string, TensorOut>, name: string): Float32Array {
  const t = out[name];
  if (!t) throw new XlError('MODEL_OUTPUT_MISSING', `face model has no output '${name}'`, { name });
  return t.data;
}

export class OnnxFaceDetector implements FaceDetectorPort {
  constructor(
    private readonly entry: ModelEntry,
    private readonly session: ModelSession,
  ) {
    if (entry.decoder.kind !== 'blazeface')
      throw new XlError('MODEL_MANIFEST_INVALID', `model ${entry.name} is not a BlazeFace face detector`);
  }

  get name(): string {
    return this.entry.name;
  }

  async detectFaces(img: RgbFrame, opts: FaceDetectOptions): Promise<Detections> {
    const { entry } = this;
    const dec = entry.decoder;
    if (dec.kind !== 'blazeface') throw new XlError('MODEL_MANIFEST_INVALID', 'not blazeface');
    const inp = await prepareInput(img, entry.input, entry.preprocess);
    const out = await this.session.run({ [entry.input.name]: { data: inp.data, dims: inp.dims } });
    const cands = decodeBlazeFace(
      dec.strides.map((stride, i) => ({
        stride,
        anchorsPerCell: dec.anchorsPerCell[i]!,
        scores: need(out, dec.scores[i]!),
        boxes: need(out, dec.boxes[i]!),
      })),
      { inputSize: entry.input.width, scoreThreshold: opts.minScore },
    );
    const d = cands.toDetections();
    unmapBoxes(d.xyxy, inp.transform, img.width, img.height);
    return nmsClasswise(d, { iouThreshold: opts.iouThreshold ?? 0.3, maxDetections: 100 });
  }
}
