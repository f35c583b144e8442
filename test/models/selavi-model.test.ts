import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SelaviModel } from '../../src/models/selavi-model.js';
import { createRng } from '../../src/util/rng.js';

const shapes = { video: [2, 8, 8, 3], audio: [12, 8] };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SelaviModel alignment embeddings', () => {
  it('gives one unit-length embedding per item and modality when alignDim > 0', async () => {
    const model = new SelaviModel({ modalities: ['video', 'audio'], width: 4, heads: [3, 5], projection: 8, alignDim: 6 }, createRng(0));
    model.build(shapes);
    const out = tf.tidy(() => {
      // Seeded: an unseeded draw now and then left one item's features all zero after the ReLUs (norm 0).
      const inputs = { video: tf.randomUniform([3, ...shapes.video], 0, 1, 'float32', 11), audio: tf.randomNormal([3, ...shapes.audio], 0, 1, 'float32', 12) };
      const o = model.forwardAll(inputs, { training: false, bnUpdates: [] });
      return { norms: ['video', 'audio'].map((m) => tf.norm(o.embeddings[m as 'video']!, 2, 1)), heads: o.heads.video!.map((h) => h.shape) };
    });
    for (const n of out.norms) {
      expect(n.shape).toEqual([3]);
      for (const v of await n.data()) expect(v).toBeCloseTo(1, 5);
    }
    expect(out.heads).toEqual([[3, 3], [3, 5]]);
    tf.dispose(out.norms);
    model.dispose();
  });

  it('has no alignment parameters without alignDim (models saved before it load unchanged)', () => {
    const count = (alignDim?: number) => {
      const model = new SelaviModel({ modalities: ['video', 'audio'], width: 4, heads: [3], projection: 8, alignDim }, createRng(0));
      model.build(shapes);
      const n = model.params.trainable().length;
      model.dispose();
      return n;
    };
    // Each modality's alignment layer is one weight and one bias.
    expect(count(6) - count(undefined)).toBe(4);
    expect(count(0)).toBe(count(undefined));
  });

  it('marks the conv and dense kernels (the weight-decay targets), not biases or batch-norm', () => {
    const model = new SelaviModel({ modalities: ['video', 'audio'], width: 4, heads: [3], projection: 8 }, createRng(0));
    model.build(shapes);
    const vars = model.params.trainable();
    const kernels = model.params.kernels();
    expect(kernels.length).toBeGreaterThan(0);
    expect(kernels.every((v) => v.rank >= 2)).toBe(true); // conv [kh, kw, cin, cout], dense [din, dout]
    expect(vars.filter((v) => !kernels.includes(v)).every((v) => v.rank === 1)).toBe(true); // biases, BN gamma/beta
    model.dispose();
  });
});

describe('SelaviModel grey video', () => {
  // Two clips with the same luminance and different colours: (r, g, b) + c·(0.587, -0.299, 0), c per pixel,
  // adds 0.299·0.587c − 0.587·0.299c = 0 to the BT.601 luma.
  const pair = () => {
    const a = tf.randomUniform([2, ...shapes.video], 0.2, 0.8, 'float32', 3);
    const tint = tf.mul(tf.tensor1d([0.587, -0.299, 0]), tf.randomUniform([2, 2, 8, 8, 1], -0.3, 0.3, 'float32', 4)); // a chroma pattern: per pixel
    return [a, tf.add(a, tint)];
  };
  const logits = (grey: boolean) => {
    const model = new SelaviModel({ modalities: ['video'], width: 4, heads: [3], projection: 8, grey }, createRng(0));
    model.build({ video: shapes.video });
    const [a, b] = tf.tidy(() => pair().map((x) => model.forward({ video: x }, { training: false, bnUpdates: [] }).video![0]));
    const stemIn = model.params.kernels()[0].shape[2]; // the first kernel built: the stem's [3, 3, cin, width]
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    tf.dispose([a, b]);
    model.dispose();
    return { gap, stemIn };
  };

  it('reads one channel and gives the same logits to clips that differ only in colour', () => {
    const grey = logits(true);
    expect(grey.stemIn).toBe(1);
    expect(grey.gap).toBeLessThan(1e-4);
  });

  it('without grey, reads three channels and tells those clips apart', () => {
    const rgb = logits(false);
    expect(rgb.stemIn).toBe(3);
    expect(rgb.gap).toBeGreaterThan(1e-3);
  });
});

describe('SelaviModel video standardisation', () => {
  const logitGap = (videoNorm: 'shared' | undefined, change: (x: tf.Tensor) => tf.Tensor) => {
    const model = new SelaviModel({ modalities: ['video'], width: 4, heads: [3], projection: 8, ...(videoNorm ? { videoNorm } : {}) }, createRng(0));
    model.build({ video: shapes.video });
    const gap = tf.tidy(() => {
      const a = tf.randomUniform([2, ...shapes.video], 0.2, 0.8, 'float32', 5);
      const [la, lb] = [a, change(a)].map((x) => model.forward({ video: x }, { training: false, bnUpdates: [] }).video![0]);
      return tf.max(tf.abs(tf.sub(la, lb))).dataSync()[0];
    });
    model.dispose();
    return gap;
  };
  // The 1e-5 under the square root, against a channel variance of ~0.03, leaves gaps of ~3e-4 where
  // the standardisation removes a change exactly; a change it keeps moves the logits by ~0.5.
  const contrast = (x: tf.Tensor) => tf.add(tf.mul(x, 2), 0.1); // every channel alike
  const oneChannelStretched = (x: tf.Tensor) => tf.mul(x, tf.tensor1d([3, 1, 1])); // red's contrast tripled

  it('shared: one scale for all channels, so contrast means nothing but a channel\'s own contrast does', () => {
    expect(logitGap('shared', contrast)).toBeLessThan(2e-3);
    expect(logitGap('shared', oneChannelStretched)).toBeGreaterThan(0.05);
  });

  it('per channel (models saved before the option): each channel stretched to unit variance alike', () => {
    expect(logitGap(undefined, contrast)).toBeLessThan(2e-3);
    expect(logitGap(undefined, oneChannelStretched)).toBeLessThan(2e-3);
  });
});
