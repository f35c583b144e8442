import * as ort from 'onnxruntime-node';
import { readFileSync, readdirSync } from 'node:fs';
import { readReleasedCheckpoint } from '../src/models/official/released-checkpoint.js';
import { officialOnnxModel } from '../src/models/onnx/official-graph.js';
const fx = '/work/shared/fixtures/selavi-official/';
const r = await readReleasedCheckpoint(fx + 'selavi-random-zip.pth.gz');
const bytes = officialOnnxModel(r.weights);
const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 2, graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: '/tmp/ortprof' });
const B = 4;
const vid = new Float32Array(B * 30 * 112 * 112 * 3).map(() => Math.random());
const au = new Float32Array(B * 257 * 99).map(() => Math.random());
for (let i = 0; i < 2; i++) { const t = performance.now(); await s.run({ video: new ort.Tensor('float32', vid, [B, 30, 112, 112, 3]), audio: new ort.Tensor('float32', au, [B, 257, 99]) }); console.log('b4 clips/s', (B / ((performance.now() - t) / 1000)).toFixed(3)); }
const f = s.endProfiling();
console.log(f);
