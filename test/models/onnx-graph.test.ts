/**
 * The ONNX writer: what it encodes reads back with ONNX's field numbers (decoded by protobufjs from
 * the same schema, and by onnxruntime, which computes a hand-checked result from it), and the
 * split of the graph's side-by-side logits into heads.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { splitHeads } from '../../src/models/official/released-network.js';
import { OnnxGraph, OPSET } from '../../src/models/onnx/graph-builder.js';
import { onnxModelType } from '../../src/models/onnx/onnx-schema.js';

describe('OnnxGraph', () => {
  const g = new OnnxGraph('tiny');
  const x = g.input('x', ['batch', 1, 3, 3]);
  // A 2x2 conv, stride 1, padding 0, of weights 1,2,3,4 and bias 0.5, then ReLU.
  const w = g.weight('w', Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
  const b = g.weight('b', Float32Array.from([0.5]), [1]);
  const y = g.node('Relu', [g.node('Conv', [x, w, b], { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0] })]);
  g.output(y, 'y', ['batch', 1, 2, 2]);
  const bytes = g.encode({ name: 'selavi-ts', version: 'test' });

  it('writes a ModelProto with its opset, nodes, initializers and symbolic dims', () => {
    const m = onnxModelType().toObject(onnxModelType().decode(bytes), { longs: Number, bytes: Array }) as {
      irVersion: number;
      opsetImport: { version: number }[];
      graph: { node: { opType: string; attribute: { name: string; ints?: number[] }[] }[]; initializer: { dims: number[]; dataType: number; rawData: number[] }[]; input: { type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[] };
    };
    expect(m.irVersion).toBe(8);
    expect(m.opsetImport[0].version).toBe(OPSET);
    expect(m.graph.node.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'Identity']);
    expect(m.graph.node[0].attribute.find((a) => a.name === 'kernel_shape')?.ints).toEqual([2, 2]);
    expect(m.graph.initializer.map((i) => [i.dims, i.dataType, i.rawData.length])).toEqual([
      [[1, 1, 2, 2], 1, 16],
      [[1], 1, 4],
    ]);
    expect(m.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 1 }, { dimValue: 3 }, { dimValue: 3 }]);
  });

  it('runs in onnxruntime with the values worked out by hand', async () => {
    const s = await ort.InferenceSession.create(Uint8Array.from(bytes));
    // x = [[1,0,-1],[2,1,0],[0,-3,1]]: each output is 1·x00 + 2·x01 + 3·x10 + 4·x11 + 0.5, then ReLU.
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 0, -1, 2, 1, 0, 0, -3, 1]), [1, 1, 3, 3]) });
    // (1 + 0 + 6 + 4) + .5 = 11.5; (0 - 2 + 3 + 0) + .5 = 1.5; (2 + 2 + 0 - 12) + .5 = -7.5 → 0; (1 + 0 - 9 + 4) + .5 = -3.5 → 0
    expect(Array.from(out.y.data as Float32Array)).toEqual([11.5, 1.5, 0, 0]);
    await s.release();
  });

  it('refuses a weight whose size does not match its dims, and a fractional integer attribute', () => {
    const h = new OnnxGraph('bad');
    expect(() => h.weight('w', new Float32Array(3), [2, 2])).toThrow(/3 values for dims \[2, 2\]/);
    expect(() => h.node('Conv', ['x'], { group: 1.5 })).toThrow(/not an integer/);
  });
});

describe('splitHeads', () => {
  it('cuts [b, ΣK] rows into one [b, K_h] array a head', () => {
    // 2 rows, heads of K = 2 and 3: row i is [a_i0 a_i1 | b_i0 b_i1 b_i2].
    const all = Float32Array.from([1, 2, 10, 20, 30, 3, 4, 40, 50, 60]);
    const [a, b] = splitHeads(all, 2, [2, 3]);
    expect(Array.from(a)).toEqual([1, 2, 3, 4]);
    expect(Array.from(b)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(() => splitHeads(all, 3, [2, 3])).toThrow(/10 values for 3 rows of 5/);
  });
});
