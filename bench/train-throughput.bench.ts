/**
 * Training throughput of the default encoders (forward + backward + update), on the backend
 * picked at run time: clips/s for SeLaVi (video [4,32,32,3] + audio [99,40], the `selavi
 * cluster` defaults) and images/s for SeLa (28x28x1, Fashion-MNIST's size). Batch 32, 3 heads.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend.js';
import { applyBnUpdates, type Ctx } from '../src/models/layers.js';
import { SelaviModel, type Modality } from '../src/models/selavi-model.js';
import { createRng } from '../src/util/rng.js';

const backend = await initBackend({ log: () => undefined });
const B = 32;
const STEPS = 6;

async function itemsPerSecond(shapes: Partial<Record<Modality, number[]>>): Promise<number> {
  const modalities = Object.keys(shapes) as Modality[];
  const model = new SelaviModel({ modalities, width: 16, heads: [10, 10, 10], projection: 128 }, createRng(0));
  model.build(shapes);
  const optimizer = tf.train.momentum(0.05, 0.9);
  const inputs = Object.fromEntries(modalities.map((m) => [m, tf.randomUniform([B, ...shapes[m]!])]));
  const targets = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => i % 10), 'int32'), 10);
  let start = 0;
  for (let s = 0; s <= STEPS; s++) {
    if (s === 1) start = performance.now(); // step 0 warms up (kernel set-up, accumulators)
    const ctx: Ctx = { params: model.params, training: true, bnUpdates: [] };
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(inputs, ctx);
        const terms = modalities.flatMap((m) => out[m]!.map((l) => tf.losses.softmaxCrossEntropy(targets, l) as tf.Scalar));
        return tf.addN(terms) as tf.Scalar;
      }, model.params.trainable());
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      optimizer.applyGradients(grads as any);
      return value;
    });
    applyBnUpdates(ctx);
    await loss.data();
    loss.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  model.dispose();
  optimizer.dispose();
  tf.dispose([...Object.values(inputs), targets]);
  return (STEPS * B) / seconds;
}

const clips = await itemsPerSecond({ video: [4, 32, 32, 3], audio: [99, 40] });
const images = await itemsPerSecond({ image: [28, 28, 1] });
console.log(
  JSON.stringify({
    bench: 'train-throughput',
    backend: backend.name,
    batch: B,
    selavi_clips_per_s: Number(clips.toFixed(1)),
    sela_images_per_s: Number(images.toFixed(1)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
process.exit(0); // threaded wasm workers would keep the process alive
