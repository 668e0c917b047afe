/**
 * The Detector port and its ONNX implementation. A detector takes an RGB frame and returns
 * `Detections` in frame pixels; the manifest entry says how to prepare the input and which
 * decoder reads the outputs.
 */
import { XlError } from '../contracts/errors.js';
import { decodeCenterNet } from './decoders/centernet.js';
import { decodeGfl } from './decoders/gfl.js';
import { Candidates, nmsClasswise } from './decoders/nms.js';
import { decodeYolo } from './decoders/yolo.js';
import type { Detections } from './detections.js';
import type { RgbFrame } from './frame.js';
import type { ModelEntry } from './manifest.js';
import type { ModelSession, TensorOut } from './onnx-session.js';
import { prepareInput, unmapBoxes } from './preprocess.js';

export interface DetectOptions {
  /** Drop detections below this score (default 0.35). */
  minScore?: number;
  /** NMS IoU threshold (default 0.5). */
  iouThreshold?: number;
  maxDetections?: number;
}

/** Per-call timings, for metrics and the benchmark. */
export interface DetectTimings {
  preprocessMs: number;
  runMs: number;
  decodeMs: number;
}

/** Detections with the timings of the call that produced them (several calls may be in flight). */
export interface TimedDetections {
  detections: Detections;
  timings: DetectTimings;
}

export interface Detector {
  readonly name: string;
  readonly labels: readonly string[];
  detect(frame: RgbFrame, opts?: DetectOptions): Promise<Detections>;
  /** As `detect`, with this call's timings. */
  detectTimed(frame: RgbFrame, opts?: DetectOptions): Promise<TimedDetections>;
}

function need(out: Record<string, TensorOut>, name: string): TensorOut {
  const t = out[name];
  if (!t)
    throw new XlError(
      'MODEL_OUTPUT_MISSING',
      `model has no output '${name}'; outputs: ${Object.keys(out).join(', ')}`,
      { name },
    );
  return t;
}

/** Decodes raw outputs per the manifest decoder into candidates in model-input pixels. */
export function decodeOutputs(
  entry: ModelEntry,
  out: Record<string, TensorOut>,
  scoreThreshold: number,
): Candidates {
  const dec = entry.decoder;
  const numClasses = entry.labels.length;
  switch (dec.kind) {
    case 'gfl':
      return decodeGfl(
        dec.strides.map((stride, i) => ({
          stride,
          scores: need(out, dec.scores[i]!).data,
          boxes: need(out, dec.boxes[i]!).data,
        })),
        {
          inputWidth: entry.input.width,
          inputHeight: entry.input.height,
          numClasses,
          regMax: dec.regMax,
          cellOffset: dec.cellOffset,
          scoreThreshold,
        },
      );
    case 'yolov8': {
      const t = need(out, dec.output);
      return decodeYolo(t.data, t.dims[2] ?? 0, { numClasses, scoreThreshold });
    }
    case 'centernet': {
      const hm = need(out, dec.heatmap);
      return decodeCenterNet(hm.data, need(out, dec.sizes).data, {
        height: hm.dims[1] ?? 0,
        width: hm.dims[2] ?? 0,
        numClasses,
        stride: dec.stride,
        topK: dec.topK,
        scoreThreshold,
      });
    }
    default:
      throw new XlError(
        'MODEL_DECODER_UNSUPPORTED',
        `model ${entry.name}: decoder '${dec.kind}' is not an object detector`,
        { name: entry.name },
      );
  }
}

export class OnnxDetector implements Detector {
  constructor(
    readonly entry: ModelEntry,
    private readonly session: ModelSession,
  ) {
    if (entry.task !== 'detect')
      throw new XlError(
        'MODEL_DECODER_UNSUPPORTED',
        `model ${entry.name} is a ${entry.task} model, not a detector`,
      );
  }

  get name(): string {
    return this.entry.name;
  }

  get labels(): readonly string[] {
    return this.entry.labels;
  }

  async detect(frame: RgbFrame, opts: DetectOptions = {}): Promise<Detections> {
    return (await this.detectTimed(frame, opts)).detections;
  }

  async detectTimed(frame: RgbFrame, opts: DetectOptions = {}): Promise<TimedDetections> {
    const t0 = performance.now();
    const inp = await prepareInput(frame, this.entry.input, this.entry.preprocess);
    const t1 = performance.now();
    const out = await this.session.run({ [this.entry.input.name]: inp });
    const t2 = performance.now();
    const cand = decodeOutputs(this.entry, out, opts.minScore ?? 0.35);
    const raw = cand.toDetections();
    unmapBoxes(raw.xyxy, inp.transform, frame.width, frame.height);
    const kept = nmsClasswise(raw, {
      iouThreshold: opts.iouThreshold ?? 0.5,
      maxDetections: opts.maxDetections ?? 300,
    });
    return {
      detections: kept,
      timings: { preprocessMs: t1 - t0, runMs: t2 - t1, decodeMs: performance.now() - t2 },
    };
  }
}

export { Candidates };
