/**
 * TF op → ONNX translations, one handler per TF op. Tensors keep their TF layout; NHWC
 * spatial ops go through `NodeCtx.nchw` (Transpose pairs onnxruntime cancels).
 */
import { XlError } from '../../contracts/errors.js';
import { b64, type NodeCtx } from './emitter.js';
import { floatTensor, type OnnxAttrValue } from './onnx-proto.js';
import { SHAPE_OPS } from './ops-shape.js';

type Handler = (c: NodeCtx) => void;

/** Conv2D / _FusedConv2D / (Fused)DepthwiseConv2dNative with BiasAdd and activations. */
function conv(c: NodeCtx, depthwise: boolean): void {
  const { em, n } = c;
  const f = c.needConst(1);
  const [kh, kw, ci, co] = f.shape as [number, number, number, number];
  // TF filters are HWIO (depthwise HWCM); ONNX wants OIHW (depthwise [C*M,1,H,W], group C).
  const outC = depthwise ? ci * co : co;
  const inC = depthwise ? 1 : ci;
  const w = new Float32Array(outC * inC * kh * kw);
  for (let h = 0; h < kh; h++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          const oc = depthwise ? i * co + o : o;
          const ic = depthwise ? 0 : i;
          w[((oc * inC + ic) * kh + h) * kw + x] = f.data[((h * kw + x) * ci + i) * co + o]!;
        }
  const inputs = [em.init(floatTensor(`${n.name}/W`, [outC, inC, kh, kw], w))];
  let fused = (n.attr.fused_ops?.list?.s ?? []).map(b64);
  if (fused[0] === 'BiasAdd') {
    inputs.push(em.init(floatTensor(`${n.name}/B`, [outC], c.needConst(2).data as Float32Array)));
    fused = fused.slice(1);
  } else if (fused.length > 0) {
    throw new XlError('MODEL_CONVERT_UNSUPPORTED', `${n.op} ${n.name}: fused ops ${fused.join(',')}`);
  }
  c.nchw((x) => {
    let y = em.fresh(`${n.name}_conv`);
    em.node('Conv', [x, ...inputs], [y], {
      kernel_shape: { kind: 'ints', value: [kh, kw] },
      strides: { kind: 'ints', value: c.hw('strides') },
      dilations: { kind: 'ints', value: c.hw('dilations') },
      group: { kind: 'int', value: depthwise ? ci : 1 },
      ...c.padAttrs(),
    });
    for (const op of fused) y = c.activation(op, y);
    return y;
  });
}

function pool(c: NodeCtx): void {
  c.nchw((x) => {
    const y = c.em.fresh(`${c.n.name}_pool`);
    c.em.node(c.n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [x], [y], {
      kernel_shape: { kind: 'ints', value: c.hw('ksize') },
      strides: { kind: 'ints', value: c.hw('strides') },
      ...c.padAttrs(),
    });
    return y;
  });
}

/**
 * ResizeBilinear / ResizeNearestNeighbor (always NHWC). `half_pixel_centers` → half_pixel
 * (NanoDet), neither flag → asymmetric (CenterNet). Opset-17 Resize needs sizes for every
 * dim: [N, C] come from Shape (constant-folded by onnxruntime).
 */
function resize(c: NodeCtx): void {
  const { em, n } = c;
  const size = Array.from(c.needConst(1).data);
  const mode = n.attr.align_corners?.b
    ? 'align_corners'
    : n.attr.half_pixel_centers?.b
      ? 'half_pixel'
      : 'asymmetric';
  const attrs: Record<string, OnnxAttrValue> = {
    mode: { kind: 'string', value: n.op === 'ResizeBilinear' ? 'linear' : 'nearest' },
    coordinate_transformation_mode: { kind: 'string', value: mode },
  };
  if (n.op === 'ResizeNearestNeighbor') {
    attrs.nearest_mode = { kind: 'string', value: mode === 'half_pixel' ? 'round_prefer_ceil' : 'floor' };
  }
  c.nchw((x) => {
    const shape = em.fresh(`${n.name}_shape`);
    em.node('Shape', [x], [shape]);
    const nc = em.fresh(`${n.name}_nc`);
    em.node('Slice', [shape, em.i64('s0', [0]), em.i64('s2', [2])], [nc]);
    const sizes = em.fresh(`${n.name}_sizes`);
    em.node('Concat', [nc, em.i64(`${n.name}/hw`, size)], [sizes], { axis: { kind: 'int', value: 0 } });
    const y = em.fresh(`${n.name}_resize`);
    em.node('Resize', [x, '', '', sizes], [y], attrs);
    return y;
  }, 'NHWC');
}

function pad(c: NodeCtx): void {
  const p = Array.from(c.needConst(1).data);
  const rank = p.length / 2;
  // TF paddings are [[before, after] per dim]; ONNX wants all befores then all afters.
  const pads = [
    ...Array.from({ length: rank }, (_, d) => p[2 * d]!),
    ...Array.from({ length: rank }, (_, d) => p[2 * d + 1]!),
  ];
  const ins = [c.val(0), c.em.i64(`${c.n.name}/pads`, pads)];
  if (c.n.op === 'PadV2') ins.push(c.em.f32Scalar(`${c.n.name}/value`, c.needConst(2).data[0] ?? 0));
  c.em.node(
    'Pad',
    ins,
    [c.out],
    c.n.op === 'MirrorPad' ? { mode: { kind: 'string', value: 'reflect' } } : {},
  );
}

const unary =
  (op: string): Handler =>
  (c) =>
    c.em.node(op, [c.val(0)], [c.out]);
const binary =
  (op: string): Handler =>
  (c) =>
    c.em.node(op, [c.val(0), c.val(1)], [c.out]);

export const OPS: Readonly<Record<string, Handler>> = {
  ...SHAPE_OPS,
  Identity: unary('Identity'),
  Relu: unary('Relu'),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Exp: unary('Exp'),
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Relu6: (c) => c.em.node('Clip', [c.val(0), c.em.f32Scalar('zero', 0), c.em.f32Scalar('six', 6)], [c.out]),
  LeakyRelu: (c) =>
    c.em.node('LeakyRelu', [c.val(0)], [c.out], {
      alpha: { kind: 'float', value: c.n.attr.alpha?.f ?? 0.2 },
    }),
  Transpose: (c) => {
    c.em.transpose(c.val(0), Array.from(c.needConst(1).data), c.out);
  },
  Reshape: (c) =>
    c.em.node('Reshape', [c.val(0), c.em.i64(`${c.n.name}/shape`, Array.from(c.needConst(1).data))], [c.out]),
  Pad: pad,
  PadV2: pad,
  MirrorPad: pad,
  ConcatV2: (c) => {
    const k = c.n.inputs.length - 1;
    const axis = c.needConst(k).data[0] ?? 0;
    c.em.node(
      'Concat',
      Array.from({ length: k }, (_, i) => c.val(i)),
      [c.out],
      { axis: { kind: 'int', value: axis } },
    );
  },
  SplitV: (c) => {
    const sizes = Array.from(c.needConst(1).data);
    const axis = c.needConst(2).data[0] ?? 0;
    const outs = sizes.map((_, i) => (i === 0 ? c.out : `${c.n.name}:${i}`));
    c.em.node('Split', [c.val(0), c.em.i64(`${c.n.name}/split`, sizes)], outs, {
      axis: { kind: 'int', value: axis },
    });
  },
  Mean: (c) =>
    c.em.node('ReduceMean', [c.val(0)], [c.out], {
      axes: { kind: 'ints', value: Array.from(c.needConst(1).data) },
      keepdims: { kind: 'int', value: c.n.attr.keep_dims?.b ? 1 : 0 },
    }),
  Conv2D: (c) => conv(c, false),
  _FusedConv2D: (c) => conv(c, false),
  DepthwiseConv2dNative: (c) => conv(c, true),
  FusedDepthwiseConv2dNative: (c) => conv(c, true),
  MaxPool: pool,
  AvgPool: pool,
  ResizeBilinear: resize,
  ResizeNearestNeighbor: resize,
};
