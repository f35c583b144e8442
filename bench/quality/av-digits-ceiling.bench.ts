/**
 * How much of the digit can the default encoders learn from AV digits (N=2000) at all? Two
 * diagnostics that bound what self-labelling can reach, on a fixed 80/20 split of the clips:
 *
 * 1. supervised: the SeLaVi model trained on the TRUE labels of the 80% (cross-entropy, both
 *    modalities, no augmentation: the training defaults' augmentation lowered it further),
 *    scored on the held-out 20% per modality and fused (sum of log-probabilities). Truth is
 *    used here on purpose: this is a ceiling, not the product.
 * 2. cross-modal alignment alone (the `--align` InfoNCE, no labels at all): its training loss,
 *    and on the held-out clips how often an audio's nearest video shows the same digit (chance 0.10).
 *
 * Env: QUALITY_N (2000), CEILING_EPOCHS (8).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../src/engine/backend.js';
import { buildAvDigits } from '../../tools/datasets/av-digits.js';
import { buildCache } from '../../src/data/cache.js';
import { openCache } from '../../src/data/cache-reader.js';
import { applyBnUpdates, type Ctx } from '../../src/models/layers.js';
import { SelaviModel, type Modality } from '../../src/models/selavi-model.js';
import { combineLogProbs } from '../../src/sinkhorn/combine.js';
import { argmaxRows } from '../../src/util/argmax-rows.js';
import { infoNce } from '../../src/train/align-loss.js';
import { truthForItems } from '../../src/train/reference-labels.js';
import { learningRate } from '../../src/train/schedule.js';
import { DEFAULT_TRAIN } from '../../src/train/selavi.js';
import { clipCacheTrainSet, type TrainSet } from '../../src/train/train-set.js';
import { createRng, permutation } from '../../src/util/rng.js';
import { round } from './baselines.js';
import { peakRssMb } from '../lib/peak-rss.js';

const n = Number(process.env.QUALITY_N ?? 2000);
const epochs = Number(process.env.CEILING_EPOCHS ?? 8);
const root = path.resolve('.cache/quality');
const dataDir = path.join(root, `av-digits-${n}`);
const decode = { frames: 4, size: 32, clipSeconds: 2, melBins: 40, hopMs: 20 };
const BATCH = 32;
const MODS: Modality[] = ['video', 'audio'];
const K = 10; // digits
const ALIGN_DIM = 64;
const t0 = performance.now();

await initBackend({ log: () => undefined });
if (!existsSync(path.join(dataDir, 'labels.csv'))) await buildAvDigits({ n, seed: 1, out: dataDir, force: true });
const cacheDir = path.join(root, `av-digits-${n}-cache`);
await buildCache({ ...decode, videos: path.join(dataDir, 'clips'), out: cacheDir });
const cache = await openCache(cacheDir);
const { truth } = await truthForItems(path.join(dataDir, 'labels.csv'), cache.paths);
const data = clipCacheTrainSet(cache, MODS);
const rng = createRng(1);
const perm = permutation(data.n, rng);
const nTest = Math.floor(data.n / 5);
const testIdx = Array.from(perm.subarray(0, nTest));
const trainIdx = Array.from(perm.subarray(nTest));

function inputsOf(batch: ReturnType<TrainSet['batch']>): Partial<Record<Modality, tf.Tensor>> {
  return Object.fromEntries(MODS.map((m) => [m, tf.tensor(batch[m]!.data, batch[m]!.shape)]));
}

/** Trains `model` on the 80% with `lossOf`; returns the mean loss of the last epoch. */
async function fit(model: SelaviModel, lossOf: (out: ReturnType<SelaviModel['forwardAll']>, idx: number[]) => tf.Scalar): Promise<number> {
  const optimizer = tf.train.momentum(DEFAULT_TRAIN.lr, DEFAULT_TRAIN.momentum);
  const perEpoch = Math.floor(trainIdx.length / BATCH);
  const total = perEpoch * epochs;
  let last = 0;
  for (let step = 0; step < total; step++) {
    if (step % perEpoch === 0) {
      const order = permutation(trainIdx.length, rng);
      trainIdx.splice(0, trainIdx.length, ...Array.from(order, (i) => trainIdx[i]));
      last = 0;
    }
    const at = (step % perEpoch) * BATCH;
    const idx = trainIdx.slice(at, at + BATCH);
    const batch = data.batch(idx, false, rng);
    optimizer.setLearningRate(learningRate(step, total, DEFAULT_TRAIN.lr, perEpoch));
    const ctx: Ctx = { params: model.params, training: true, bnUpdates: [] };
    const loss = tf.tidy(() => {
      const inputs = inputsOf(batch);
      const { value, grads } = tf.variableGrads(() => lossOf(model.forwardAll(inputs, ctx), idx), model.params.trainable());
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      optimizer.applyGradients(grads as any);
      return value;
    });
    applyBnUpdates(ctx);
    last += (await loss.data())[0] / perEpoch;
    loss.dispose();
  }
  optimizer.dispose();
  return last;
}

/** Held-out outputs: per modality, log-probabilities of head 0 and the alignment embeddings. */
/** Held-out outputs, row-major per modality: log-probabilities of head 0 [nTest, K] and alignment embeddings [nTest, ALIGN_DIM]. */
async function heldOut(model: SelaviModel) {
  const logp = Object.fromEntries(MODS.map((m) => [m, new Float32Array(nTest * K)])) as Record<Modality, Float32Array>;
  const emb = Object.fromEntries(MODS.map((m) => [m, new Float32Array(nTest * ALIGN_DIM)])) as Record<Modality, Float32Array>;
  for (let s = 0; s < nTest; s += 64) {
    const batch = data.batch(testIdx.slice(s, s + 64), false, rng);
    const outs = tf.tidy(() => {
      const o = model.forwardAll(inputsOf(batch), { training: false, bnUpdates: [] });
      return MODS.map((m) => ({ lp: tf.logSoftmax(o.heads[m]![0]), e: o.embeddings[m] }));
    });
    for (const [i, m] of MODS.entries()) {
      logp[m].set(await outs[i].lp.data<'float32'>(), s * K);
      if (outs[i].e) emb[m].set(await outs[i].e!.data<'float32'>(), s * ALIGN_DIM);
    }
    tf.dispose(outs.flatMap((x) => (x.e ? [x.lp, x.e] : [x.lp])));
  }
  return { logp, emb };
}

const accuracy = (pred: Int32Array) => round(pred.filter((p, i) => p === truth[testIdx[i]]).length / nTest, 3);

// ===== 1. supervised ceiling =====
const supervised = new SelaviModel({ modalities: MODS, width: DEFAULT_TRAIN.width, heads: [K], projection: DEFAULT_TRAIN.projection }, createRng(2));
supervised.build(data.shapes);
const supervisedLoss = await fit(supervised, (out, idx) => {
  const y = tf.oneHot(tf.tensor1d(idx.map((i) => truth[i]), 'int32'), K);
  return tf.div(tf.addN(MODS.map((m) => tf.losses.softmaxCrossEntropy(y, out.heads[m]![0]))), MODS.length) as tf.Scalar;
});
const s = await heldOut(supervised);
supervised.dispose();
const supervisedAcc = {
  video: accuracy(argmaxRows(s.logp.video, nTest, K)),
  audio: accuracy(argmaxRows(s.logp.audio, nTest, K)),
  fused: accuracy(argmaxRows(combineLogProbs([s.logp.video, s.logp.audio], nTest, K, 'sum'), nTest, K)),
};

// ===== 2. alignment alone =====
const aligned = new SelaviModel({ modalities: MODS, width: DEFAULT_TRAIN.width, heads: [K], projection: DEFAULT_TRAIN.projection, alignDim: ALIGN_DIM }, createRng(3));
aligned.build(data.shapes);
const alignLoss = await fit(aligned, (out) => infoNce(out.embeddings.video!, out.embeddings.audio!, DEFAULT_TRAIN.alignTemperature));
const a = await heldOut(aligned);
aligned.dispose();
// Each held-out audio's nearest held-out video (cosine: the embeddings are unit length).
const sims = tf.tidy(() => tf.matMul(tf.tensor2d(a.emb.audio, [nTest, ALIGN_DIM]), tf.tensor2d(a.emb.video, [nTest, ALIGN_DIM]), false, true).dataSync());
const nearest = argmaxRows(sims, nTest, nTest);
let sameDigit = 0;
for (let i = 0; i < nTest; i++) if (truth[testIdx[nearest[i]]] === truth[testIdx[i]]) sameDigit++;
cache.close();

console.log(
  JSON.stringify({
    bench: 'quality-av-digits-ceiling',
    clips: data.n,
    held_out: nTest,
    epochs,
    supervised_train_loss: round(supervisedLoss, 3),
    supervised_held_out_accuracy: supervisedAcc,
    align_train_loss: round(alignLoss, 3),
    align_train_loss_chance: round(Math.log(BATCH), 3),
    align_held_out_audio_to_video_same_digit: round(sameDigit / nTest, 3),
    seconds: round((performance.now() - t0) / 1000, 1),
    peak_rss_mb: peakRssMb(),
  }),
);
process.exit(0);
