/**
 * The same-model comparison with PyTorch (issue 13): conv3x3(3→32, no bias) BN ReLU maxpool2 →
 * conv3x3(32→64) BN ReLU maxpool2 → conv3x3(64→128) BN ReLU → global average pool → dense 128
 * ReLU → dense 64; batch 64 of 32x32x3; soft-target cross-entropy; SGD momentum 0.9. Built from
 * the library's own layers (src/models/layers.ts), on the backend picked at run time. Prints the
 * median step, images/s, and where the step's time goes by kernel.
 *
 * PyTorch's figure is not measured here (the project runs no Python): PYTORCH_IMAGES_PER_S gives
 * the reference measured on this machine by hand (README, below the figures: 1,020 images/s, the
 * median of four runs on 2026-12-06, PyTorch 1.13, 2 threads), the default.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend.js';
import { applyBnUpdates, convBnRelu, dense, type Ctx } from '../src/models/layers.js';
import { ParamStore } from '../src/models/params.js';
import { createRng } from '../src/util/rng.js';
import { engineName, peakRssMb, profileStep, timeSteps, withoutNative } from './lib/training-step.js';

const B = 64;
const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const PYTORCH = Number(process.env.PYTORCH_IMAGES_PER_S ?? 1020);

const backend = await initBackend({ log: () => undefined });
const params = new ParamStore(createRng(0));

function forward(ctx: Ctx, x: tf.Tensor4D): tf.Tensor2D {
  let h = convBnRelu(ctx, 'c1', x, 32, [3, 3]);
  h = tf.maxPool(h, 2, 2, 'valid');
  h = convBnRelu(ctx, 'c2', h, 64, [3, 3]);
  h = tf.maxPool(h, 2, 2, 'valid');
  h = convBnRelu(ctx, 'c3', h, 128, [3, 3]);
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  return dense(ctx, 'fc2', tf.relu(dense(ctx, 'fc1', pooled, 128)), 64);
}

const x = tf.randomNormal([B, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
const q = tf.softmax(tf.randomNormal([B, 64], 0, 2, 'float32', 2)); // soft targets
const optimizer = tf.train.momentum(0.01, 0.9);
tf.tidy(() => forward({ params, training: false, bnUpdates: [] }, x)); // creates the variables

const step = () => {
  const ctx: Ctx = { params, training: true, bnUpdates: [] };
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const logp = tf.logSoftmax(forward(ctx, x));
      return tf.neg(tf.mean(tf.sum(tf.mul(q, logp), 1))) as tf.Scalar;
    }, params.trainable());
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    optimizer.applyGradients(grads as any);
    return value;
  });
  applyBnUpdates(ctx);
  return loss;
};

const timing = await timeSteps(step, B, STEPS);
const wasmOnly = await withoutNative(step, B, STEPS, timing);
const profile = await profileStep(step);
console.log(
  JSON.stringify({
    bench: 'train-cnn32',
    backend: backend.name, engine: engineName(),
    batch: B,
    ...timing, ...wasmOnly,
    images_per_s: timing.items_per_s,
    pytorch_reference_images_per_s: PYTORCH,
    ratio_to_pytorch: Number((timing.items_per_s / PYTORCH).toFixed(3)),
    ...profile,
    peak_rss_mb: peakRssMb(),
  }),
);
process.exit(0); // threaded wasm workers would keep the process alive
