/**
 * Shape and type ops MoveNet's input stage uses (docs/models.md, "MoveNet"): Cast, Unpack,
 * ExpandDims, Squeeze. Graph inputs are declared float (tfjs-to-onnx.ts), so a Cast to float
 * of an int32 image placeholder becomes an ONNX Cast float → float, which is an identity on
 * whole 0–255 pixel values.
 */
import { XlError } from '../../contracts/errors.js';
import type { NodeCtx } from './emitter.js';
import { OnnxType } from './onnx-proto.js';

type Handler = (c: NodeCtx) => void;

const CAST_TO: Record<string, number> = { DT_FLOAT: OnnxType.FLOAT };

function cast(c: NodeCtx): void {
  const dst = c.n.attr.DstT?.type ?? '';
  const to = CAST_TO[dst];
  if (to === undefined)
    throw new XlError('MODEL_CONVERT_UNSUPPORTED', `Cast ${c.n.name}: to ${dst} (only float runtime values)`);
  c.em.node('Cast', [c.val(0)], [c.out], { to: { kind: 'int', value: to } });
}

/** Unpack (tf.unstack): Split along the axis into `num` equal parts, each squeezed. */
function unpack(c: NodeCtx): void {
  const { em, n } = c;
  const axis = Number(n.attr.axis?.i ?? 0);
  const num = Number(n.attr.num?.i ?? 1);
  const axes = em.i64(`${n.name}/axes`, [axis]);
  const outs = Array.from({ length: num }, (_, i) => (i === 0 ? c.out : `${n.name}:${i}`));
  if (num === 1) {
    em.node('Squeeze', [c.val(0), axes], outs);
    return;
  }
  const parts = outs.map((o) => em.fresh(`${o}_part`));
  em.node('Split', [c.val(0), em.i64(`${n.name}/split`, Array(num).fill(1))], parts, {
    axis: { kind: 'int', value: axis },
  });
  parts.forEach((p, i) => {
    em.node('Squeeze', [p, axes], [outs[i]!]);
  });
}

export const SHAPE_OPS: Readonly<Record<string, Handler>> = {
  Cast: cast,
  Unpack: unpack,
  ExpandDims: (c) =>
    c.em.node('Unsqueeze', [c.val(0), c.em.i64(`${c.n.name}/axes`, [c.needConst(1).data[0] ?? 0])], [c.out]),
  Squeeze: (c) => {
    const dims = c.ints('squeeze_dims');
    if (dims.length === 0)
      throw new XlError('MODEL_CONVERT_UNSUPPORTED', `Squeeze ${c.n.name}: needs squeeze_dims`);
    c.em.node('Squeeze', [c.val(0), c.em.i64(`${c.n.name}/axes`, dims)], [c.out]);
  },
};
