import { describe, expect, it } from 'vitest';
import { halfToFloat, parseTfjsGraph } from './tfjs-graph.js';

describe('halfToFloat', () => {
  it.each([
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x7c00, Number.POSITIVE_INFINITY],
  ])('0x%s → %f', (h, want) => {
    expect(halfToFloat(h)).toBe(want);
  });
});

describe('parseTfjsGraph', () => {
  const json = JSON.stringify({
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: {} },
        { name: 'w', op: 'Const', attr: {} },
        { name: 'k', op: 'Const', attr: {} },
        { name: 'y', op: 'Mul', input: ['x', 'w', '^k'] },
      ],
    },
    weightsManifest: [
      {
        paths: ['g.bin'],
        weights: [
          {
            name: 'w',
            shape: [2],
            dtype: 'float32',
            quantization: { dtype: 'float16', original_dtype: 'float32' },
          },
          { name: 'k', shape: [3], dtype: 'int32' },
        ],
      },
    ],
    signature: {
      inputs: { 'x:0': { name: 'x:0', tensorShape: { dim: [{ size: '1' }, { size: '2' }] } } },
      outputs: { 'y:0': { name: 'y:0' } },
    },
  });
  const bin = new Uint8Array(2 * 2 + 3 * 4);
  const v = new DataView(bin.buffer);
  v.setUint16(0, 0x3c00, true);
  v.setUint16(2, 0xc000, true);
  [7, -1, 42].forEach((n, i) => {
    v.setInt32(4 + i * 4, n, true);
  });

  it('dequantises float16 weights, reads int32, drops control inputs', () => {
    const g = parseTfjsGraph(json, bin);
    expect(Array.from(g.consts.get('w')!.data)).toEqual([1, -2]);
    expect(Array.from(g.consts.get('k')!.data)).toEqual([7, -1, 42]);
    expect(g.nodes.find((n) => n.name === 'y')!.inputs).toEqual(['x', 'w']);
    expect(g.inputs).toEqual([{ name: 'x', shape: [1, 2] }]);
    expect(g.outputs).toEqual(['y']);
  });

  it('rejects shards that do not match the manifest', () => {
    expect(() => parseTfjsGraph(json, bin.subarray(0, 10))).toThrow(/manifest describes/);
  });
});
