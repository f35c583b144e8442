import * as ort from 'onnxruntime-node';
import { readReleasedCheckpoint } from '../src/models/official/released-checkpoint.js';
import { officialOnnxModel } from '../src/models/onnx/official-graph.js';
import { readNpyArray } from '../src/data/npy.js';
const fx = '/work/shared/fixtures/selavi-official/';
const t0 = performance.now();
const r = await readReleasedCheckpoint(fx + 'selavi-random-zip.pth.gz');
const t1 = performance.now();
const bytes = officialOnnxModel(r.weights);
const t2 = performance.now();
console.log('read', (t1 - t0).toFixed(0), 'encode', (t2 - t1).toFixed(0), 'MB', (bytes.length / 1e6).toFixed(1));
const ep = process.argv[2] ?? 'cpu';
const s = await ort.InferenceSession.create(bytes, { executionProviders: [ep], intraOpNumThreads: 2, graphOptimizationLevel: 'all' });
console.log('session', (performance.now() - t2).toFixed(0));
const v = readNpyArray(fx + 'parity-video-input.npy'); // [2,3,8,112,112]
const a = readNpyArray(fx + 'parity-audio-input.npy'); // [2,1,257,99]
// to channels-last [2,8,112,112,3]
const [N, C, T, H, W] = v.shape;
const vl = new Float32Array(v.data.length);
for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) vl[(((n * T + t) * H + h) * W + w) * C + c] = v.data[((((n * C + c) * T + t) * H + h) * W) + w];
const out = await s.run({ video: new ort.Tensor('float32', vl, [N, T, H, W, C]), audio: new ort.Tensor('float32', a.data, [2, 257, 99]) });
const cmp = (x: Float32Array, y: Float32Array) => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / (Math.abs(y[i]) + 1e-4)); return m; };
console.log('fv', cmp(out.video_features.data as Float32Array, readNpyArray(fx + 'parity-video-features.npy').data));
console.log('fa', cmp(out.audio_features.data as Float32Array, readNpyArray(fx + 'parity-audio-features.npy').data));
const vlog = out.video_logits.data as Float32Array;
console.log(out.video_logits.dims, vlog.slice(0, 7), readNpyArray(fx + 'parity-head0-video-logits.npy').data.slice(0, 7));
// timing at official size
const B = 4;
const vid = new Float32Array(B * 30 * 112 * 112 * 3).map(() => Math.random());
const au = new Float32Array(B * 257 * 99).map(() => Math.random());
for (let i = 0; i < 3; i++) { const t = performance.now(); await s.run({ video: new ort.Tensor('float32', vid, [B, 30, 112, 112, 3]), audio: new ort.Tensor('float32', au, [B, 257, 99]) }); console.log('b4 clips/s', (B / ((performance.now() - t) / 1000)).toFixed(3)); }
console.log('rss MB', Math.round(process.resourceUsage().maxRSS / 1024));
