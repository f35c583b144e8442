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
import { buildAvDigits } from '../../src/datasets/av-digits.js';
import { buildCache } from '../../src/data/cache.js';
import { openCache } from '../../src/data/cache-reader.js';
import { applyBnUpdates, type Ctx } from '../../src/models/layers.js';
import { SelaviModel, type Modality } from '../../src/models/selavi-model.js';
import { infoNce } from '../../src/train/align-loss.js';
import { truthForItems } from '../../src/train/reference-labels.js';
import { learningRate } from '../../src/train/schedule.js';
import { DEFAULT_TRAIN } from '../../src/train/selavi.js';
import { clipCacheTrainSet, type TrainSet } from '../../src/train/train-set.js';
import { createRng, permutation } from '../../src/util/rng.js';
import { round } from './baselines.js';

const n = Number(process.env.QUALITY_N ?? 2000);
const epochs = Number(process.env.CEILING_EPOCHS ?? 8);
const root = path.resolve('.cache/quality');
const dataDir = path.join(root, `av-digits-${n}`);
const decode = { frames: 4, size: 32, clipSeconds: 2, melBins: 40, hopMs: 20 };
const BATCH = 32;
const MODS: Modality[] = ['video', 'audio'];
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
async function heldOut(model: SelaviModel) {
  const logp: Record<string, number[][]> = { video: [], audio: [] };
  const emb: Record<string, number[][]> = { video: [], audio: [] };
  for (let s = 0; s < testIdx.length; s += 64) {
    const batch = data.batch(testIdx.slice(s, s + 64), false, rng);
    const got = tf.tidy(() => {
      const o = model.forwardAll(inputsOf(batch), { training: false, bnUpdates: [] });
      return MODS.map((m) => [tf.logSoftmax(o.heads[m]![0]).arraySync() as number[][], (o.embeddings[m]?.arraySync() ?? []) as number[][]] as const);
    });
    MODS.forEach((m, i) => {
      logp[m].push(...got[i][0]);
      emb[m].push(...got[i][1]);
    });
  }
  return { logp, emb };
}

const argmax = (row: number[]) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
const accuracy = (pred: number[]) => round(pred.filter((p, i) => p === truth[testIdx[i]]).length / testIdx.length, 3);

// ===== 1. supervised ceiling =====
const supervised = new SelaviModel({ modalities: MODS, width: DEFAULT_TRAIN.width, heads: [10], projection: DEFAULT_TRAIN.projection }, createRng(2));
supervised.build(data.shapes);
const supervisedLoss = await fit(supervised, (out, idx) => {
  const y = tf.oneHot(tf.tensor1d(idx.map((i) => truth[i]), 'int32'), 10);
  return tf.div(tf.addN(MODS.map((m) => tf.losses.softmaxCrossEntropy(y, out.heads[m]![0]))), MODS.length) as tf.Scalar;
});
const s = await heldOut(supervised);
supervised.dispose();
const supervisedAcc = {
  video: accuracy(s.logp.video.map(argmax)),
  audio: accuracy(s.logp.audio.map(argmax)),
  fused: accuracy(s.logp.video.map((row, i) => argmax(row.map((v, k) => v + s.logp.audio[i][k])))),
};

// ===== 2. alignment alone =====
const aligned = new SelaviModel({ modalities: MODS, width: DEFAULT_TRAIN.width, heads: [10], projection: DEFAULT_TRAIN.projection, alignDim: 64 }, createRng(3));
aligned.build(data.shapes);
const alignLoss = await fit(aligned, (out) => infoNce(out.embeddings.video!, out.embeddings.audio!, DEFAULT_TRAIN.alignTemperature));
const a = await heldOut(aligned);
aligned.dispose();
let sameDigit = 0;
for (let i = 0; i < testIdx.length; i++) {
  const sims = a.emb.video.map((v) => v.reduce((acc, x, q) => acc + x * a.emb.audio[i][q], 0));
  if (truth[testIdx[argmax(sims)]] === truth[testIdx[i]]) sameDigit++;
}
cache.close();

console.log(
  JSON.stringify({
    bench: 'quality-av-digits-ceiling',
    clips: data.n,
    held_out: testIdx.length,
    epochs,
    supervised_train_loss: round(supervisedLoss, 3),
    supervised_held_out_accuracy: supervisedAcc,
    align_train_loss: round(alignLoss, 3),
    align_train_loss_chance: round(Math.log(BATCH), 3),
    align_held_out_audio_to_video_same_digit: round(sameDigit / testIdx.length, 3),
    seconds: round((performance.now() - t0) / 1000, 1),
  }),
);
process.exit(0);
