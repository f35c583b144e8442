import * as ort from 'onnxruntime-node';
import { OnnxGraph } from '../src/models/onnx/graph-builder.js';
const rnd = (n: number) => new Float32Array(n).map(() => Math.random() - 0.5);
for (const threads of [1, 2]) {
  const g = new OnnxGraph('m'); const x = g.input('x', [1024, 1024]); g.output(g.node('MatMul', [g.weight('w', rnd(1024 * 1024), [1024, 1024]), x]), 'y', [1024, 1024]);
  const s = await ort.InferenceSession.create(g.encode({ name: 'x', version: '0' }), { executionProviders: ['cpu'], intraOpNumThreads: threads });
  const feeds = { x: new ort.Tensor('float32', rnd(1024 * 1024), [1024, 1024]) };
  await s.run(feeds); const t = performance.now(); for (let i = 0; i < 20; i++) await s.run(feeds);
  const ms = (performance.now() - t) / 20; console.log('threads', threads, ms.toFixed(1), 'ms', (2 * 1024 ** 3 / ms / 1e6).toFixed(0), 'GFLOP/s');
}
