import * as ort from 'onnxruntime-node';
import { OnnxGraph } from '../src/models/onnx/graph-builder.js';
async function time(name: string, build: (g: OnnxGraph) => void, inputs: Record<string, number[]>) {
  const g = new OnnxGraph('m'); build(g);
  const s = await ort.InferenceSession.create(g.encode({ name: 'x', version: '0' }), { executionProviders: ['cpu'], intraOpNumThreads: 2, graphOptimizationLevel: 'all' });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, d] of Object.entries(inputs)) feeds[k] = new ort.Tensor('float32', new Float32Array(d.reduce((a, b) => a * b)).map(() => Math.random()), d);
  await s.run(feeds);
  const t = performance.now(); for (let i = 0; i < 3; i++) await s.run(feeds);
  console.log(name, ((performance.now() - t) / 3).toFixed(0), 'ms');
}
const rnd = (n: number) => new Float32Array(n).map(() => Math.random() - 0.5);
await time('conv3d spatial 64->144', (g) => { const x = g.input('x', [4, 64, 30, 56, 56]); g.output(g.node('Relu', [g.node('Conv', [x, g.weight('w', rnd(144 * 64 * 9), [144, 64, 1, 3, 3]), g.weight('b', rnd(144), [144])], { kernel_shape: [1, 3, 3], pads: [0, 1, 1, 0, 1, 1] })]), 'y', [4, 144, 30, 56, 56]); }, { x: [4, 64, 30, 56, 56] });
await time('conv2d spatial 64->144', (g) => { const x = g.input('x', [120, 64, 56, 56]); g.output(g.node('Relu', [g.node('Conv', [x, g.weight('w', rnd(144 * 64 * 9), [144, 64, 3, 3]), g.weight('b', rnd(144), [144])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]), 'y', [120, 144, 56, 56]); }, { x: [120, 64, 56, 56] });
await time('conv3d temporal 144->64', (g) => { const x = g.input('x', [4, 144, 30, 56, 56]); g.output(g.node('Conv', [x, g.weight('w', rnd(144 * 64 * 3), [64, 144, 3, 1, 1]), g.weight('b', rnd(64), [64])], { kernel_shape: [3, 1, 1], pads: [1, 0, 0, 1, 0, 0] }), 'y', [4, 64, 30, 56, 56]); }, { x: [4, 144, 30, 56, 56] });
await time('conv2d temporal 144->64 over [B,C,T,HW]', (g) => { const x = g.input('x', [4, 144, 30, 3136]); g.output(g.node('Conv', [x, g.weight('w', rnd(144 * 64 * 3), [64, 144, 3, 1]), g.weight('b', rnd(64), [64])], { kernel_shape: [3, 1], pads: [1, 0, 1, 0] }), 'y', [4, 64, 30, 3136]); }, { x: [4, 144, 30, 3136] });
await time('transpose 4x30x144x3136 -> 4x144x30x3136', (g) => { const x = g.input('x', [4, 30, 144, 3136]); g.output(g.node('Transpose', [x], { perm: [0, 2, 1, 3] }), 'y', [4, 144, 30, 3136]); }, { x: [4, 30, 144, 3136] });
await time('matmul 144x576 @ 576x94080 (x4)', (g) => { const x = g.input('x', [4, 576, 94080]); g.output(g.node('MatMul', [g.weight('w', rnd(144 * 576), [144, 576]), x]), 'y', [4, 144, 94080]); }, { x: [4, 576, 94080] });
