/**
 * The project's TF.js-graph → ONNX (opset 17) converter. It translates op by op and keeps
 * every tensor in its TF layout: NHWC convolutions, pools and resizes are wrapped in
 * Transpose pairs, which onnxruntime's transpose optimiser cancels (measured in
 * docs/models.md). Sub-graphs whose inputs are all constant are folded here (NanoDet's
 * SparseToDense/AddV2 only build constant reshape shapes, issue 3), and the graph is pruned
 * to the requested outputs (CenterNet's TopK tail is left to the JS decoder).
 *
 * Mapping notes (issue 3, learned the hard way): TF `SAME` padding is ONNX `SAME_UPPER`;
 * ResizeBilinear with `half_pixel_centers` is `half_pixel`, without it `asymmetric`.
 */
import { XlError } from '../../contracts/errors.js';
import {
  encodeModel,
  floatTensor,
  int32Tensor,
  int64Tensor,
  type OnnxAttrValue,
  type OnnxNode,
  type OnnxTensor,
  OnnxType,
  type OnnxValueInfo,
} from './onnx-proto.js';
import type { TfConst, TfGraph, TfNode } from './tfjs-graph.js';

export interface ConvertOptions {
  /** TF tensor names to expose as graph outputs (default: the signature outputs). */
  outputs?: readonly string[];
  /** Known output shapes (for value info), by TF name. */
  outputShapes?: Record<string, readonly number[]>;
  graphName?: string;
  docString?: string;
}

export interface ConvertResult {
  model: Uint8Array;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** ONNX node count by op type (for the build log and tests). */
  opCounts: Record<string, number>;
  foldedNodes: number;
}

const b64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** ONNX value name for a TF tensor reference (`node`, `node:0`, `node:1`). */
function valueName(ref: string): string {
  const m = /^(.*):(\d+)$/.exec(ref);
  if (!m) return ref;
  return m[2] === '0' ? m[1]! : ref;
}

function nodeOf(ref: string): string {
  return ref.replace(/:\d+$/, '');
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Evaluates the few ops that appear on constant sub-graphs. */
function foldConst(node: TfNode, ins: TfConst[]): TfConst | undefined {
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

class Emitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly initNames = new Set<string>();
  private seq = 0;

  fresh(base: string): string {
    this.seq += 1;
    return `${base}__${this.seq}`;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, OnnxAttrValue>): void {
    const n: OnnxNode = { opType, name: this.fresh(outputs[0] ?? opType), inputs, outputs };
    if (attrs) n.attrs = attrs;
    this.nodes.push(n);
  }

  /** Adds an initializer once; returns its name. */
  init(t: OnnxTensor): string {
    if (!this.initNames.has(t.name)) {
      this.initNames.add(t.name);
      this.initializers.push(t);
    }
    return t.name;
  }

  i64(base: string, values: readonly number[]): string {
    return this.init(int64Tensor(this.fresh(base), [values.length], values));
  }

  f32Scalar(base: string, v: number): string {
    return this.init(floatTensor(this.fresh(base), [], Float32Array.of(v)));
  }

  transpose(x: string, perm: number[], out?: string): string {
    const y = out ?? this.fresh(`${x}_T`);
    this.node('Transpose', [x], [y], { perm: { kind: 'ints', value: perm } });
    return y;
  }
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/**
 * Converts a parsed TF.js graph to an ONNX model. Throws MODEL_CONVERT_UNSUPPORTED naming
 * the first op it cannot translate.
 */
export function convertTfjsToOnnx(g: TfGraph, opts: ConvertOptions = {}): ConvertResult {
  const byName = new Map(g.nodes.map((n) => [n.name, n] as const));
  const outputs = (opts.outputs ?? g.outputs).slice();
  // Topological order of the nodes the outputs need (pruning the rest).
  const order: TfNode[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 2) return;
    if (s === 1) throw new XlError('MODEL_CONVERT_FAILED', `graph has a cycle at ${name}`);
    const n = byName.get(name);
    if (!n) throw new XlError('MODEL_CONVERT_FAILED', `graph references unknown node ${name}`);
    state.set(name, 1);
    for (const i of n.inputs) visit(nodeOf(i));
    state.set(name, 2);
    order.push(n);
  };
  for (const o of outputs) visit(nodeOf(o));

  const em = new Emitter();
  const consts = new Map<string, TfConst>();
  const graphInputs: OnnxValueInfo[] = [];
  let folded = 0;

  const constOf = (ref: string): TfConst | undefined => consts.get(valueName(ref));
  const needConst = (n: TfNode, k: number): TfConst => {
    const c = constOf(n.inputs[k] ?? '');
    if (!c) throw new XlError('MODEL_CONVERT_UNSUPPORTED', `${n.op} ${n.name}: input ${k} must be constant`);
    return c;
  };
  /** A runtime value name for input k (materialising a constant as an initializer). */
  const val = (n: TfNode, k: number): string => {
    const ref = n.inputs[k];
    if (ref === undefined) throw new XlError('MODEL_CONVERT_FAILED', `${n.op} ${n.name}: missing input ${k}`);
    const name = valueName(ref);
    const c = consts.get(name);
    if (c) {
      em.init(
        c.dtype === 'float32'
          ? floatTensor(name, c.shape, c.data as Float32Array)
          : int32Tensor(name, c.shape, c.data),
      );
    }
    return name;
  };
  const ints = (n: TfNode, key: string): number[] => (n.attr[key]?.list?.i ?? []).map(Number);
  const fmt = (n: TfNode): string => b64(n.attr.data_format?.s) || 'NHWC';
  const hw = (n: TfNode, key: string, dflt: number[]): number[] => {
    const v = ints(n, key);
    if (v.length === 0) return dflt;
    return fmt(n) === 'NCHW' ? [v[2]!, v[3]!] : [v[1]!, v[2]!];
  };
  const padAttrs = (n: TfNode): Record<string, OnnxAttrValue> => {
    const p = b64(n.attr.padding?.s);
    if (p === 'SAME') return { auto_pad: { kind: 'string', value: 'SAME_UPPER' } };
    if (p === 'VALID') return {};
    if (p === 'EXPLICIT') {
      const e = ints(n, 'explicit_paddings');
      const [t, b, l, r] = fmt(n) === 'NCHW' ? [e[4]!, e[5]!, e[6]!, e[7]!] : [e[2]!, e[3]!, e[4]!, e[5]!];
      return { pads: { kind: 'ints', value: [t, l, b, r] } };
    }
    throw new XlError('MODEL_CONVERT_UNSUPPORTED', `${n.op} ${n.name}: padding '${p}'`);
  };
  /** Runs `body` on the NCHW view of input 0, writing the NHWC result to `out`. */
  const nchw = (n: TfNode, body: (x: string) => string): void => {
    const out = valueName(n.name);
    if (fmt(n) === 'NCHW') {
      const y = body(val(n, 0));
      em.node('Identity', [y], [out]);
      return;
    }
    const y = body(em.transpose(val(n, 0), NHWC_TO_NCHW));
    em.transpose(y, NCHW_TO_NHWC, out);
  };
  const activation = (n: TfNode, op: string, x: string): string => {
    const y = em.fresh(`${n.name}_${op}`);
    if (op === 'Relu') em.node('Relu', [x], [y]);
    else if (op === 'Relu6') em.node('Clip', [x, em.f32Scalar('zero', 0), em.f32Scalar('six', 6)], [y]);
    else if (op === 'LeakyRelu')
      em.node('LeakyRelu', [x], [y], { alpha: { kind: 'float', value: n.attr.leakyrelu_alpha?.f ?? 0.2 } });
    else if (op === 'Elu') em.node('Elu', [x], [y]);
    else if (op === 'Sigmoid') em.node('Sigmoid', [x], [y]);
    else throw new XlError('MODEL_CONVERT_UNSUPPORTED', `${n.op} ${n.name}: fused op ${op}`);
    return y;
  };
  const conv = (n: TfNode, depthwise: boolean): void => {
    const f = needConst(n, 1);
    const [kh, kw, ci, co] = f.shape as [number, number, number, number];
    // TF filters are HWIO (depthwise HWCM); ONNX wants OIHW (depthwise [C*M,1,H,W], group C).
    const outC = depthwise ? ci * co : co;
    const inC = depthwise ? 1 : ci;
    const w = new Float32Array(outC * inC * kh * kw);
    for (let h = 0; h < kh; h++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++) {
            const src = f.data[((h * kw + x) * ci + i) * co + o]!;
            const oc = depthwise ? i * co + o : o;
            const ic = depthwise ? 0 : i;
            w[((oc * inC + ic) * kh + h) * kw + x] = src;
          }
    const wName = em.init(floatTensor(`${n.name}/W`, [outC, inC, kh, kw], w));
    const fused = (n.attr.fused_ops?.list?.s ?? []).map(b64);
    const convInputs = [wName];
    let rest = fused;
    if (fused[0] === 'BiasAdd') {
      const bias = needConst(n, 2);
      convInputs.push(em.init(floatTensor(`${n.name}/B`, [outC], bias.data as Float32Array)));
      rest = fused.slice(1);
    } else if (fused.length > 0) {
      throw new XlError('MODEL_CONVERT_UNSUPPORTED', `${n.op} ${n.name}: fused ops ${fused.join(',')}`);
    }
    nchw(n, (x) => {
      let y = em.fresh(`${n.name}_conv`);
      em.node('Conv', [x, ...convInputs], [y], {
        kernel_shape: { kind: 'ints', value: [kh, kw] },
        strides: { kind: 'ints', value: hw(n, 'strides', [1, 1]) },
        dilations: { kind: 'ints', value: hw(n, 'dilations', [1, 1]) },
        group: { kind: 'int', value: depthwise ? ci : 1 },
        ...padAttrs(n),
      });
      for (const op of rest) y = activation(n, op, y);
      return y;
    });
  };
  const out = (n: TfNode): string => valueName(n.name);

  for (const n of order) {
    if (n.op === 'Const') {
      const c = g.consts.get(n.name);
      if (!c) throw new XlError('MODEL_CONVERT_FAILED', `const ${n.name} has no weights`);
      consts.set(n.name, c);
      continue;
    }
    if (n.op === 'Placeholder') {
      const sig = g.inputs.find((i) => i.name === n.name);
      const shape = sig?.shape ?? (n.attr.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
      graphInputs.push({
        name: n.name,
        elemType: OnnxType.FLOAT,
        shape: shape.map((d) => (d < 0 ? 'N' : d)),
      });
      continue;
    }
    const inConsts = n.inputs.map((i) => constOf(i));
    if (n.inputs.length > 0 && inConsts.every((c) => c !== undefined)) {
      const v = foldConst(n, inConsts as TfConst[]);
      if (!v) throw new XlError('MODEL_CONVERT_UNSUPPORTED', `cannot fold constant ${n.op} ${n.name}`);
      consts.set(n.name, v);
      folded += 1;
      continue;
    }
    switch (n.op) {
      case 'Identity':
        em.node('Identity', [val(n, 0)], [out(n)]);
        break;
      case 'Add':
      case 'AddV2':
        em.node('Add', [val(n, 0), val(n, 1)], [out(n)]);
        break;
      case 'Sub':
      case 'Mul':
        em.node(n.op, [val(n, 0), val(n, 1)], [out(n)]);
        break;
      case 'RealDiv':
        em.node('Div', [val(n, 0), val(n, 1)], [out(n)]);
        break;
      case 'Maximum':
      case 'Minimum':
        em.node(n.op === 'Maximum' ? 'Max' : 'Min', [val(n, 0), val(n, 1)], [out(n)]);
        break;
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Exp':
        em.node(n.op, [val(n, 0)], [out(n)]);
        break;
      case 'Relu6':
        em.node('Clip', [val(n, 0), em.f32Scalar('zero', 0), em.f32Scalar('six', 6)], [out(n)]);
        break;
      case 'LeakyRelu':
        em.node('LeakyRelu', [val(n, 0)], [out(n)], {
          alpha: { kind: 'float', value: n.attr.alpha?.f ?? 0.2 },
        });
        break;
      case 'Transpose':
        em.transpose(val(n, 0), Array.from(needConst(n, 1).data), out(n));
        break;
      case 'Reshape':
        em.node(
          'Reshape',
          [val(n, 0), em.i64(`${n.name}/shape`, Array.from(needConst(n, 1).data))],
          [out(n)],
        );
        break;
      case 'Pad':
      case 'PadV2':
      case 'MirrorPad': {
        const p = Array.from(needConst(n, 1).data);
        const rank = p.length / 2;
        const pads = [
          ...Array.from({ length: rank }, (_, d) => p[2 * d]!),
          ...Array.from({ length: rank }, (_, d) => p[2 * d + 1]!),
        ];
        const ins = [val(n, 0), em.i64(`${n.name}/pads`, pads)];
        if (n.op === 'PadV2') ins.push(em.f32Scalar(`${n.name}/value`, needConst(n, 2).data[0] ?? 0));
        const attrs: Record<string, OnnxAttrValue> = {};
        if (n.op === 'MirrorPad') attrs.mode = { kind: 'string', value: 'reflect' };
        em.node('Pad', ins, [out(n)], attrs);
        break;
      }
      case 'ConcatV2': {
        const k = n.inputs.length - 1;
        const axis = needConst(n, k).data[0] ?? 0;
        em.node(
          'Concat',
          Array.from({ length: k }, (_, i) => val(n, i)),
          [out(n)],
          { axis: { kind: 'int', value: axis } },
        );
        break;
      }
      case 'SplitV': {
        const sizes = Array.from(needConst(n, 1).data);
        const axis = needConst(n, 2).data[0] ?? 0;
        const outs = sizes.map((_, i) => (i === 0 ? out(n) : `${n.name}:${i}`));
        em.node('Split', [val(n, 0), em.i64(`${n.name}/split`, sizes)], outs, {
          axis: { kind: 'int', value: axis },
        });
        break;
      }
      case 'Mean': {
        const axes = Array.from(needConst(n, 1).data);
        em.node('ReduceMean', [val(n, 0)], [out(n)], {
          axes: { kind: 'ints', value: axes },
          keepdims: { kind: 'int', value: n.attr.keep_dims?.b ? 1 : 0 },
        });
        break;
      }
      case 'Conv2D':
      case '_FusedConv2D':
        conv(n, false);
        break;
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        conv(n, true);
        break;
      case 'MaxPool':
      case 'AvgPool':
        nchw(n, (x) => {
          const y = em.fresh(`${n.name}_pool`);
          const attrs: Record<string, OnnxAttrValue> = {
            kernel_shape: { kind: 'ints', value: hw(n, 'ksize', [1, 1]) },
            strides: { kind: 'ints', value: hw(n, 'strides', [1, 1]) },
            ...padAttrs(n),
          };
          em.node(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [x], [y], attrs);
          return y;
        });
        break;
      case 'ResizeBilinear':
      case 'ResizeNearestNeighbor': {
        const size = Array.from(needConst(n, 1).data);
        const mode = n.attr.align_corners?.b
          ? 'align_corners'
          : n.attr.half_pixel_centers?.b
            ? 'half_pixel'
            : 'asymmetric';
        // TF resizes are always NHWC. Opset 17 Resize needs sizes for every dim: [N, C] from Shape.
        nchw({ ...n, attr: { ...n.attr, data_format: {} } }, (x) => {
          const shape = em.fresh(`${n.name}_shape`);
          em.node('Shape', [x], [shape]);
          const nc = em.fresh(`${n.name}_nc`);
          em.node('Slice', [shape, em.i64('s0', [0]), em.i64('s2', [2])], [nc]);
          const sizes = em.fresh(`${n.name}_sizes`);
          em.node('Concat', [nc, em.i64(`${n.name}/hw`, size)], [sizes], { axis: { kind: 'int', value: 0 } });
          const y = em.fresh(`${n.name}_resize`);
          em.node('Resize', [x, '', '', sizes], [y], {
            mode: { kind: 'string', value: n.op === 'ResizeBilinear' ? 'linear' : 'nearest' },
            coordinate_transformation_mode: { kind: 'string', value: mode },
            ...(n.op === 'ResizeNearestNeighbor'
              ? {
                  nearest_mode: {
                    kind: 'string',
                    value: mode === 'half_pixel' ? 'round_prefer_ceil' : 'floor',
                  },
                }
              : {}),
          });
          return y;
        });
        break;
      }
      default:
        throw new XlError(
          'MODEL_CONVERT_UNSUPPORTED',
          `TF op ${n.op} (${n.name}) is not supported by the converter`,
        );
    }
  }

  const graphOutputs: OnnxValueInfo[] = outputs.map((o) => ({
    name: valueName(o),
    elemType: OnnxType.FLOAT,
    shape: opts.outputShapes?.[o],
  }));
  for (const o of graphOutputs) {
    if (consts.has(o.name))
      throw new XlError('MODEL_CONVERT_FAILED', `output ${o.name} folded to a constant`);
  }
  const opCounts: Record<string, number> = {};
  for (const n of em.nodes) opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
  const model = encodeModel(
    {
      name: opts.graphName ?? 'converted',
      nodes: em.nodes,
      initializers: em.initializers,
      inputs: graphInputs,
      outputs: graphOutputs,
    },
    { opset: 17, ...(opts.docString ? { docString: opts.docString } : {}) },
  );
  return { model, inputs: graphInputs, outputs: graphOutputs, opCounts, foldedNodes: folded };
}
