/**
 * Training throughput of the audio encoder alone (99 frames x 40 log-mel bins: 2 s at a 20 ms hop, the `selavi cluster` default): forward, backward and SGD-momentum update of the default model
 * (width 16, 3 heads of 10), batch 32, on the backend picked at run time; the median of
 * BENCH_STEPS steps (default 8) after 2 warm-up steps, and where one step's time goes by kernel.
 */
import { initBackend } from '../src/engine/backend.js';
import { engineName, peakRssMb, profileStep, selaviBench, timeSteps, withoutNative } from './lib/training-step.js';

const B = 32;
const backend = await initBackend({ log: () => undefined });
const bench = selaviBench({ audio: [99, 40] }, B);
const timing = await timeSteps(bench.train, B, Number(process.env.BENCH_STEPS ?? 8));
const wasmOnly = await withoutNative(bench.train, B, Number(process.env.BENCH_STEPS ?? 8), timing);
const profile = await profileStep(bench.train, 5);
console.log(JSON.stringify({ bench: 'train-audio', backend: backend.name, engine: engineName(), batch: B, input: [99, 40], ...timing, ...wasmOnly, clips_per_s: timing.items_per_s, ...profile, peak_rss_mb: peakRssMb() }));
process.exit(0); // threaded wasm workers would keep the process alive
