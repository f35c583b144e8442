import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN, train } from '../../src/train/selavi.js';
import type { TrainSet } from '../../src/train/train-set.js';
import { createRng } from '../../src/util/rng.js';

/** 16 random 8x8 gray images: enough to run the loop, no media needed. */
function randomImages(n: number): TrainSet {
  const rng = createRng(1);
  const pixels = Float32Array.from({ length: n * 64 }, () => rng.next());
  return {
    n,
    names: Array.from({ length: n }, (_, i) => `img${i}`),
    shapes: { image: [8, 8, 1] },
    batch: (idx) => {
      const data = new Float32Array(idx.length * 64);
      for (let i = 0; i < idx.length; i++) data.set(pixels.subarray(idx[i] * 64, idx[i] * 64 + 64), i * 64);
      return { image: { data, shape: [idx.length, 8, 8, 1] } };
    },
  };
}

describe('training memory', () => {
  it.each([
    ['self-labelling alone', 0],
    ['with the two-view alignment term', 1],
  ])('keeps the tensor count constant from step to step and frees everything at the end (%s)', async (_name, align) => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const cfg = { ...DEFAULT_TRAIN, modalities: ['image' as const], k: 2, heads: 2, width: 4, projection: 8, epochs: 4, batchSize: 4, labelUpdates: 3, align };
    await train(cfg, randomImages(16), {
      runDir: mkdtempSync(path.join(os.tmpdir(), 'selavi-mem-')),
      resume: false,
      logJson: () => undefined,
      say: () => undefined,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(counts).toHaveLength(16);
    // Step 1 creates the optimizer's accumulators; from then on nothing may accumulate, across
    // label updates and epoch-end checkpoints alike.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
