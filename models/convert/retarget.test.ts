import { describe, expect, it } from 'vitest';
import { retargetInputSize } from './retarget.js';
import type { TfGraph } from './tfjs-graph.js';

/** A feature-pyramid shaped toy: an input, two resizes sharing one size, one with its own. */
function graph(): TfGraph {
  const dim = (n: number) => ({ size: String(n) });
  return {
    nodes: [
      {
        name: 'x',
        op: 'Placeholder',
        inputs: [],
        attr: { shape: { shape: { dim: [dim(1), dim(3), dim(416), dim(416)] } } },
      },
      { name: 'up', op: 'Const', inputs: [], attr: {} },
      { name: 'down', op: 'Const', inputs: [], attr: {} },
      { name: 'r1', op: 'ResizeBilinear', inputs: ['x', 'up'], attr: {} },
      { name: 'r2', op: 'ResizeBilinear', inputs: ['r1', 'up:0'], attr: {} },
      { name: 'r3', op: 'ResizeNearestNeighbor', inputs: ['r2', 'down'], attr: {} },
    ],
    consts: new Map([
      ['up', { dtype: 'int32', shape: [2], data: Int32Array.from([52, 52]) }],
      ['down', { dtype: 'int32', shape: [2], data: Int32Array.from([13, 26]) }],
    ]),
    inputs: [{ name: 'x', shape: [1, 3, 416, 416] }],
    outputs: ['r3'],
  };
}

describe('retargetInputSize', () => {
  it('scales the input and every resize size by target/traced, once per shared constant', () => {
    const g = graph();
    const r = retargetInputSize(g, 416, 320);
    expect(r.inputs).toEqual([{ name: 'x', shape: [1, 3, 320, 320] }]);
    expect(r.nodes[0]!.attr.shape?.shape?.dim?.map((d) => d.size)).toEqual(['1', '3', '320', '320']);
    expect(Array.from(r.consts.get('up')!.data)).toEqual([40, 40]);
    expect(Array.from(r.consts.get('down')!.data)).toEqual([10, 20]);
    // The traced graph is left as it was.
    expect(Array.from(g.consts.get('up')!.data)).toEqual([52, 52]);
    expect(g.inputs[0]!.shape).toEqual([1, 3, 416, 416]);
  });

  it('returns the graph itself when the sizes are equal', () => {
    const g = graph();
    expect(retargetInputSize(g, 416, 416)).toBe(g);
  });

  it.each([
    [300, /52 × 300\/416 = 37.5 is not a whole number/],
    [0, /positive integer/],
    [320.5, /positive integer/],
  ])('refuses target %s (MODEL_CONVERT_FAILED)', (target, message) => {
    expect(() => retargetInputSize(graph(), 416, target)).toThrow(
      expect.objectContaining({ code: 'MODEL_CONVERT_FAILED', message: expect.stringMatching(message) }),
    );
  });

  it('refuses an input that is not a square image of the traced size', () => {
    const g = { ...graph(), inputs: [{ name: 'x', shape: [1, 3, 416, 300] }] };
    expect(() => retargetInputSize(g, 416, 320)).toThrow(
      expect.objectContaining({ code: 'MODEL_CONVERT_FAILED' }),
    );
  });

  it('refuses a resize whose size is computed, not constant', () => {
    const g = graph();
    g.consts.delete('down');
    expect(() => retargetInputSize(g, 416, 320)).toThrow(/r3: size is not a constant/);
  });
});
