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
      const inputs = { video: tf.randomUniform([3, ...shapes.video]), audio: tf.randomNormal([3, ...shapes.audio]) };
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
