/**
 * A small hand-written protobuf encoder for the subset of onnx.proto that the converter
 * writes (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).
 * Field numbers follow onnx/onnx.proto (IR version 8, opset 17). Only writing is needed:
 * onnxruntime reads the result.
 */

/** ONNX TensorProto.DataType values used here. */
export const OnnxType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type OnnxTypeCode = (typeof OnnxType)[keyof typeof OnnxType];

/** A constant tensor (initializer) in ONNX terms. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  dataType: OnnxTypeCode;
  /** Little-endian raw bytes (`raw_data`). */
  raw: Uint8Array;
}

export type OnnxAttrValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'tensor'; value: OnnxTensor };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Record<string, OnnxAttrValue>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxTypeCode;
  /** Static dims; a string is a symbolic dim; undefined = unknown rank. */
  shape?: ReadonlyArray<number | string> | undefined;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

/** Growable byte writer for protobuf wire format. */
class Writer {
  private chunks: Uint8Array[] = [];
  private len = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.len += b.length;
  }

  varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) byte |= 0x80;
      out.push(byte);
    } while (n !== 0n);
    this.push(Uint8Array.from(out));
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function writeTensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function writeAttr(w: Writer, name: string, a: OnnxAttrValue): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case 'floats':
      for (const f of a.value) w.float(7, f);
      break;
    case 'ints':
      for (const i of a.value) w.int(8, i);
      break;
  }
  w.int(20, ATTR_TYPE[a.kind]);
}

function writeNode(w: Writer, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, (a) => writeAttr(a, k, v));
}

function writeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tt) => {
      tt.int(1, v.elemType);
      const dims = v.shape;
      if (!dims) return;
      tt.message(2, (shape) => {
        for (const d of dims) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

/** Encodes a complete ModelProto (IR 8, default-domain opset `opset`). */
export function encodeModel(
  graph: OnnxGraph,
  opts: { opset?: number; producer?: string; docString?: string } = {},
): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, opts.producer ?? 'xueliang-tfjs2onnx');
  w.string(3, '1');
  if (opts.docString) w.string(6, opts.docString);
  w.message(7, (g) => {
    for (const n of graph.nodes) g.message(1, (nw) => writeNode(nw, n));
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const i of graph.inputs) g.message(11, (vw) => writeValueInfo(vw, i));
    for (const o of graph.outputs) g.message(12, (vw) => writeValueInfo(vw, o));
  });
  w.message(8, (op) => {
    op.string(1, '');
    op.int(2, opts.opset ?? 17);
  });
  return w.finish();
}

/** Raw bytes of a typed array (copy, little-endian host assumed as in ONNX raw_data). */
export function rawBytes(a: Float32Array | Int32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function floatTensor(name: string, dims: readonly number[], data: Float32Array): OnnxTensor {
  return { name, dims, dataType: OnnxType.FLOAT, raw: rawBytes(data) };
}

export function int64Tensor(name: string, dims: readonly number[], data: ArrayLike<number>): OnnxTensor {
  return {
    name,
    dims,
    dataType: OnnxType.INT64,
    raw: rawBytes(BigInt64Array.from(Array.from(data, (v) => BigInt(v)))),
  };
}

export function int32Tensor(name: string, dims: readonly number[], data: ArrayLike<number>): OnnxTensor {
  return { name, dims, dataType: OnnxType.INT32, raw: rawBytes(Int32Array.from(data)) };
}
