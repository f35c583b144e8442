/**
 * Times one training step (forward + backward + SGD update) of a small conv net on the wasm
 * backend with our kernels and on the cpu backend, in one run, and compares our
 * Conv2DBackpropInput, Tile and Conv3D with the wasm package's own (forward 4x8x32x32x16 input,
 * 3x3x3 kernel, 16 channels). Prints exactly one JSON line.
 *
 *   npx tsx bench/conv-grad.bench.ts            # SELAVI_WASM_THREADS=1 for single-threaded wasm
 *   BENCH_BATCH=8 BENCH_STEPS=3 npx tsx bench/conv-grad.bench.ts
 *
 * The cpu backend needs about two minutes for one step at batch 32 (its broadcasting element-wise
 * ops dominate), so it is timed on a single step without warm-up (BENCH_CPU_STEPS to change).
 *
 * Net: 64x64x3 -> 3 x [conv 3x3, 32 ch (strides 1, 2, 2) + batch norm + relu] -> global average
 * pool -> dense 10 -> softmax cross-entropy. Batch 32 by default.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend.js';
import { registerWasmKernels, unregisterWasmKernels } from '../src/engine/wasm-kernels.js';
import { peakRssMb } from './lib/peak-rss.js';

const BATCH = Number(process.env.BENCH_BATCH ?? 32);
const WASM_STEPS = Number(process.env.BENCH_STEPS ?? 5);
const CPU_STEPS = Number(process.env.BENCH_CPU_STEPS ?? 1);
const SIZE = 64;
const CLASSES = 10;

function buildNet(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let h: tf.SymbolicTensor = input;
  for (const strides of [1, 2, 2]) {
    h = tf.layers.conv2d({ filters: 32, kernelSize: 3, strides, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ axis: -1 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Median ms of `steps` training steps after `warmup` untimed ones, on the current backend. */
async function timeTraining(steps: number, warmup: number): Promise<number> {
  const model = buildNet();
  const opt = tf.train.sgd(0.01);
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, CLASSES, 'int32', 4), CLASSES);
  const step = () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss!.dataSync();
    loss!.dispose();
  };
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return median(times);
}

/** Median ms of one kernel invocation (after a warm-up), output read back. */
function timeKernel(run: () => tf.Tensor, reps: number): number {
  run().dispose();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = run();
    out.dataSync();
    times.push(performance.now() - t0);
    out.dispose();
  }
  return median(times);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const round = (x: number, d = 1) => Number(x.toFixed(d));

const info = await initBackend({ backend: 'wasm', log: () => {} });
const wasmMs = await timeTraining(WASM_STEPS, 1);

// Our Conv2DBackpropInput and Tile against the package's, on the shapes of the net above.
const dy = tf.randomNormal([BATCH, SIZE / 2, SIZE / 2, 32]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 32, 32]) as tf.Tensor4D;
const inv = tf.randomNormal([1, 1, 1, 32]);
const backpropInput = () => tf.conv2dTranspose(dy, w, [BATCH, SIZE, SIZE, 32], 2, 'same');
const tile = () => tf.tile(inv, [BATCH, SIZE, SIZE, 1]);
const x3 = tf.randomNormal([4, 8, 32, 32, 16]) as tf.Tensor5D;
const w3 = tf.randomNormal([3, 3, 3, 16, 16]) as tf.Tensor5D;
const conv3d = () => tf.conv3d(x3, w3, 1, 'same');
const oursBpi = timeKernel(backpropInput, 3);
const oursTile = timeKernel(tile, 3);
const oursConv3d = timeKernel(conv3d, 3);
unregisterWasmKernels();
const builtinBpi = timeKernel(backpropInput, 2);
const builtinTile = timeKernel(tile, 2);
const builtinConv3d = timeKernel(conv3d, 1);
registerWasmKernels();
tf.dispose([dy, w, inv, x3, w3]);

await tf.setBackend('cpu');
const cpuMs = await timeTraining(CPU_STEPS, 0);

console.log(
  JSON.stringify({
    bench: 'conv-grad',
    batch: BATCH,
    wasm_ms_per_step: round(wasmMs),
    cpu_ms_per_step: round(cpuMs),
    speedup_wasm_vs_cpu: round(cpuMs / wasmMs, 2),
    wasm_threads: info.threads,
    conv2d_backprop_input_ms_ours: round(oursBpi),
    conv2d_backprop_input_ms_builtin: round(builtinBpi),
    conv2d_backprop_input_speedup_ours_vs_builtin: round(builtinBpi / oursBpi, 2),
    tile_ms_ours: round(oursTile, 2),
    tile_ms_builtin: round(builtinTile, 2),
    tile_speedup_ours_vs_builtin: round(builtinTile / oursTile, 1),
    conv3d_ms_ours: round(oursConv3d),
    conv3d_ms_builtin: round(builtinConv3d),
    conv3d_speedup_ours_vs_builtin: round(builtinConv3d / oursConv3d, 1),
    peak_rss_mb: peakRssMb(),
  }),
);
