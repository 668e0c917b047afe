/**
 * Converter plumbing: the ONNX node/initializer accumulator and a per-node context that
 * resolves TF inputs (runtime values or constants) and reads TF attributes.
 */
import { XlError } from '../../contracts/errors.js';
import {
  floatTensor,
  int32Tensor,
  int64Tensor,
  type OnnxAttrValue,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-proto.js';
import type { TfConst, TfNode } from './tfjs-graph.js';

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** TF.js serialises string attributes base64-encoded. */
export const b64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** ONNX value name for a TF tensor reference (`node`, `node:0`, `node:1`). */
export function valueName(ref: string): string {
  const m = /^(.*):(\d+)$/.exec(ref);
  if (!m) return ref;
  return m[2] === '0' ? m[1]! : ref;
}

/** The node name of a TF tensor reference. */
export function nodeOf(ref: string): string {
  return ref.replace(/:\d+$/, '');
}

export class Emitter {
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

/** One TF node being translated: its inputs, attributes and output name. */
export class NodeCtx {
  constructor(
    readonly em: Emitter,
    readonly n: TfNode,
    private readonly consts: ReadonlyMap<string, TfConst>,
  ) {}

  /** The ONNX name of this node's first output. */
  get out(): string {
    return valueName(this.n.name);
  }

  /** Input k, which must be a constant (shapes, axes, filters). */
  needConst(k: number): TfConst {
    const c = this.consts.get(valueName(this.n.inputs[k] ?? ''));
    if (!c)
      throw new XlError(
        'MODEL_CONVERT_UNSUPPORTED',
        `${this.n.op} ${this.n.name}: input ${k} must be constant`,
      );
    return c;
  }

  /** Input k as a runtime value name, materialising a constant as an initializer. */
  val(k: number): string {
    const ref = this.n.inputs[k];
    if (ref === undefined)
      throw new XlError('MODEL_CONVERT_FAILED', `${this.n.op} ${this.n.name}: missing input ${k}`);
    const name = valueName(ref);
    const c = this.consts.get(name);
    if (c) {
      this.em.init(
        c.dtype === 'float32'
          ? floatTensor(name, c.shape, c.data as Float32Array)
          : int32Tensor(name, c.shape, c.data),
      );
    }
    return name;
  }

  ints(key: string): number[] {
    return (this.n.attr[key]?.list?.i ?? []).map(Number);
  }

  get format(): string {
    return b64(this.n.attr.data_format?.s) || 'NHWC';
  }

  /** The H and W entries of a 4-D attribute (strides, dilations, ksize). */
  hw(key: string): number[] {
    const v = this.ints(key);
    if (v.length === 0) return [1, 1];
    return this.format === 'NCHW' ? [v[2]!, v[3]!] : [v[1]!, v[2]!];
  }

  /** TF padding → ONNX: SAME is SAME_UPPER (TF puts the odd pixel at the end). */
  padAttrs(): Record<string, OnnxAttrValue> {
    const p = b64(this.n.attr.padding?.s);
    if (p === 'SAME') return { auto_pad: { kind: 'string', value: 'SAME_UPPER' } };
    if (p === 'VALID') return {};
    if (p === 'EXPLICIT') {
      const e = this.ints('explicit_paddings');
      const [t, b, l, r] =
        this.format === 'NCHW' ? [e[4]!, e[5]!, e[6]!, e[7]!] : [e[2]!, e[3]!, e[4]!, e[5]!];
      return { pads: { kind: 'ints', value: [t, l, b, r] } };
    }
    throw new XlError('MODEL_CONVERT_UNSUPPORTED', `${this.n.op} ${this.n.name}: padding '${p}'`);
  }

  /** Runs `body` on the NCHW view of input 0 and writes the result back in the node's layout. */
  nchw(body: (x: string) => string, layout = this.format): void {
    if (layout === 'NCHW') {
      this.em.node('Identity', [body(this.val(0))], [this.out]);
      return;
    }
    const y = body(this.em.transpose(this.val(0), NHWC_TO_NCHW));
    this.em.transpose(y, NCHW_TO_NHWC, this.out);
  }

  /** A fused activation applied to `x`. */
  activation(op: string, x: string): string {
    const { em, n } = this;
    const y = em.fresh(`${n.name}_${op}`);
    if (op === 'Relu' || op === 'Elu' || op === 'Sigmoid') em.node(op, [x], [y]);
    else if (op === 'Relu6') em.node('Clip', [x, em.f32Scalar('zero', 0), em.f32Scalar('six', 6)], [y]);
    else if (op === 'LeakyRelu')
      em.node('LeakyRelu', [x], [y], { alpha: { kind: 'float', value: n.attr.leakyrelu_alpha?.f ?? 0.2 } });
    else throw new XlError('MODEL_CONVERT_UNSUPPORTED', `${n.op} ${n.name}: fused op ${op}`);
    return y;
  }
}
