/**
 * The no-gradient pass of a label update (eval-mode batch norm, every head's log-probabilities)
 * against the training step, in one run, on the `selavi cluster` default model (video 4x32x32x3 +
 * audio 99x40, width 16, 3 heads of 10). Goal (issue 13): the pass at >= 3x the training step's
 * clips/s. The pass is timed at the training batch (32) and at 128. With the native kernels, the
 * training step is also timed on the wasm kernels alone in the same run.
 */
import { initBackend } from '../src/engine/backend.js';
import { engineName, peakRssMb, profileStep, selaviBench, timeSteps, withoutNative } from './lib/training-step.js';

const B = 32;
const STEPS = Number(process.env.BENCH_STEPS ?? 8);
const backend = await initBackend({ log: () => undefined });
const bench = selaviBench({ video: [4, 32, 32, 3], audio: [99, 40] }, B);
const train = await timeSteps(bench.train, B, STEPS);
const wasmOnly = await withoutNative(bench.train, B, STEPS, train);
const trainProfile = await profileStep(bench.train, 6);
const at32 = bench.inferenceStep(32);
const pass32 = await timeSteps(at32.step, 32, STEPS);
at32.dispose();
const at128 = bench.inferenceStep(128);
const pass128 = await timeSteps(at128.step, 128, STEPS);
at128.dispose();
const best = Math.max(pass32.items_per_s, pass128.items_per_s);
console.log(
  JSON.stringify({
    bench: 'relabel-pass',
    backend: backend.name, engine: engineName(),
    train_clips_per_s: train.items_per_s,
    ...(wasmOnly.wasm_only_median_step_ms !== undefined && { wasm_only_train_clips_per_s: Number(((B * 1000) / wasmOnly.wasm_only_median_step_ms).toFixed(1)), native_train_speedup: wasmOnly.native_speedup }),
    pass_clips_per_s_batch32: pass32.items_per_s,
    pass_clips_per_s_batch128: pass128.items_per_s,
    pass_to_train_ratio: Number((best / train.items_per_s).toFixed(2)),
    train_step: trainProfile,
    peak_rss_mb: peakRssMb(),
  }),
);
process.exit(0); // threaded wasm workers would keep the process alive
