/**
 * Constant folding for the converter: the few TF ops that appear on constant sub-graphs
 * (NanoDet's SparseToDense + AddV2 building reshape shapes, docs/models.md) evaluated in JS.
 */
import type { TfConst, TfNode } from './tfjs-graph.js';

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Evaluates the few ops that appear on constant sub-graphs. */
export function foldConst(node: TfNode, ins: TfConst[]): TfConst | undefined {
  const [a, b] = ins;
  switch (node.op) {
    case 'Identity':
      return a;
    case 'Cast': {
      if (!a) return undefined;
      const dst = node.attr.DstT?.type;
      if (dst === 'DT_FLOAT') return { dtype: 'float32', shape: a.shape, data: Float32Array.from(a.data) };
      return { dtype: 'int32', shape: a.shape, data: Int32Array.from(a.data, (v) => Math.trunc(v)) };
    }
    case 'SparseToDense': {
      const [idx, outShape, values, dflt] = ins;
      if (!idx || !outShape || !values || !dflt) return undefined;
      const shape = Array.from(outShape.data);
      const data = values.dtype === 'float32' ? new Float32Array(numel(shape)) : new Int32Array(numel(shape));
      data.fill(dflt.data[0] ?? 0);
      const rank = shape.length;
      const count = idx.shape.length === 0 ? 1 : (idx.shape[0] ?? 0);
      for (let k = 0; k < count; k++) {
        let flat = 0;
        for (let d = 0; d < rank; d++) flat = flat * shape[d]! + idx.data[k * rank + d]!;
        data[flat] = values.data.length === 1 ? values.data[0]! : values.data[k]!;
      }
      return { dtype: values.dtype, shape, data };
    }
    case 'Add':
    case 'AddV2':
    case 'Sub':
    case 'Mul': {
      if (!a || !b) return undefined;
      const na = a.data.length;
      const nb = b.data.length;
      if (na !== nb && na !== 1 && nb !== 1) return undefined;
      const n = Math.max(na, nb);
      const shape = na >= nb ? a.shape : b.shape;
      const f =
        node.op === 'Sub'
          ? (x: number, y: number) => x - y
          : node.op === 'Mul'
            ? (x: number, y: number) => x * y
            : (x: number, y: number) => x + y;
      const out = a.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = f(a.data[na === 1 ? 0 : i]!, b.data[nb === 1 ? 0 : i]!);
      return { dtype: a.dtype, shape, data: out };
    }
    default:
      return undefined;
  }
}
