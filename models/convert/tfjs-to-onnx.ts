/**
 * The project's TF.js-graph → ONNX (opset 17) converter. It translates op by op (ops.ts) and
 * keeps every tensor in its TF layout: NHWC convolutions, pools and resizes are wrapped in
 * Transpose pairs, which onnxruntime's transpose optimiser cancels (docs/models.md).
 * Sub-graphs whose inputs are all constant are folded here (fold.ts: NanoDet's
 * SparseToDense/AddV2 only build constant reshape shapes, docs/models.md), and the graph is pruned
 * to the requested outputs (CenterNet's TopK tail is left to the JS decoder).
 */
import { XlError } from '../../contracts/errors.js';
import { Emitter, NodeCtx, nodeOf, valueName } from './emitter.js';
import { foldConst } from './fold.js';
import { encodeModel, OnnxType, type OnnxValueInfo } from './onnx-proto.js';
import { OPS } from './ops.js';
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

/** The nodes the outputs need, inputs before users (depth-first post-order). */
function topoOrder(g: TfGraph, outputs: readonly string[]): TfNode[] {
  const byName = new Map(g.nodes.map((n) => [n.name, n] as const));
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
  return order;
}

/**
 * Converts a parsed TF.js graph to an ONNX model. Throws MODEL_CONVERT_UNSUPPORTED naming
 * the first op it cannot translate.
 */
export function convertTfjsToOnnx(g: TfGraph, opts: ConvertOptions = {}): ConvertResult {
  const outputs = (opts.outputs ?? g.outputs).slice();
  const em = new Emitter();
  const consts = new Map<string, TfConst>();
  const graphInputs: OnnxValueInfo[] = [];
  let folded = 0;
  for (const n of topoOrder(g, outputs)) {
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
    const inConsts = n.inputs.map((i) => consts.get(valueName(i)));
    if (n.inputs.length > 0 && inConsts.every((c) => c !== undefined)) {
      const v = foldConst(n, inConsts as TfConst[]);
      if (!v) throw new XlError('MODEL_CONVERT_UNSUPPORTED', `cannot fold constant ${n.op} ${n.name}`);
      consts.set(n.name, v);
      folded += 1;
      continue;
    }
    const handler = OPS[n.op];
    if (!handler)
      throw new XlError(
        'MODEL_CONVERT_UNSUPPORTED',
        `TF op ${n.op} (${n.name}) is not supported by the converter`,
      );
    handler(new NodeCtx(em, n, consts));
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
