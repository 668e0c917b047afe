/**
 * Re-targets a fully convolutional TF.js graph traced at one square input size to another
 * (NanoDet-g ships traced at 416; the edge default runs it at 320, docs/models.md). Two things in
 * such a graph carry the traced size: the input placeholder's spatial dims and the output
 * sizes of its feature-pyramid resizes (ResizeBilinear / ResizeNearestNeighbor `size`
 * constants, e.g. 13→26 and 52→26 at 416). Both are scaled by target/traced; a size that
 * does not scale to a whole number (a stride that does not divide the target) is refused,
 * so a bad target fails at build time, not as misaligned boxes at run time.
 *
 * Reshapes are not touched: NanoDet's use -1 for the spatial extent. A graph that baked a
 * spatial size into a Reshape would convert but fail in onnxruntime at load; the build's
 * conversion test runs every built model on a real image.
 */
import { XlError } from '../../contracts/errors.js';
import { nodeOf } from './emitter.js';
import type { TfConst, TfGraph, TfNode } from './tfjs-graph.js';

const RESIZE_OPS = new Set(['ResizeBilinear', 'ResizeNearestNeighbor']);

function scaled(v: number, traced: number, target: number, what: string): number {
  const s = (v * target) / traced;
  if (!Number.isInteger(s))
    throw new XlError(
      'MODEL_CONVERT_FAILED',
      `cannot re-target ${what}: ${v} × ${target}/${traced} = ${s} is not a whole number (pick a target divisible by the model's largest stride)`,
      { traced, target, value: v },
    );
  return s;
}

/** A copy of `g` for a `target`×`target` input; `traced` is the size the graph was saved at. */
export function retargetInputSize(g: TfGraph, traced: number, target: number): TfGraph {
  if (traced === target) return g;
  if (!Number.isInteger(target) || target <= 0)
    throw new XlError('MODEL_CONVERT_FAILED', `input size must be a positive integer, got ${target}`);
  const inputs = g.inputs.map((i) => {
    const spatial = i.shape.filter((d) => d === traced).length;
    if (spatial !== 2)
      throw new XlError(
        'MODEL_CONVERT_FAILED',
        `input ${i.name} has shape [${i.shape.join(',')}], not a square ${traced}×${traced} image`,
      );
    return { ...i, shape: i.shape.map((d) => (d === traced ? target : d)) };
  });
  const consts = new Map(g.consts);
  const rescaled = new Set<string>();
  for (const n of g.nodes) {
    if (!RESIZE_OPS.has(n.op)) continue;
    const sizeName = nodeOf(n.inputs[1] ?? '');
    if (rescaled.has(sizeName)) continue; // one size constant shared by two resizes
    const c = consts.get(sizeName);
    if (!c) throw new XlError('MODEL_CONVERT_FAILED', `${n.op} ${n.name}: size is not a constant`);
    const data = Int32Array.from(c.data, (v) => scaled(v, traced, target, `${n.op} ${n.name}`));
    consts.set(sizeName, { ...c, data } satisfies TfConst);
    rescaled.add(sizeName);
  }
  const nodes: TfNode[] = g.nodes.map((n) => {
    const dims = n.attr.shape?.shape?.dim;
    if (n.op !== 'Placeholder' || !dims) return n;
    const dim = dims.map((d) => (Number(d.size) === traced ? { ...d, size: String(target) } : d));
    return { ...n, attr: { ...n.attr, shape: { shape: { dim } } } };
  });
  const unknown = g.nodes.find((n) => n.op.startsWith('Resize') && !RESIZE_OPS.has(n.op));
  if (unknown) throw new XlError('MODEL_CONVERT_FAILED', `cannot re-target ${unknown.op} ${unknown.name}`);
  return { ...g, nodes, consts, inputs };
}
