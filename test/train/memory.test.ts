import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN, train } from '../../src/train/selavi.js';
import { randomImages } from '../helpers/random-images.js';

describe('training memory', () => {
  it.each([
    ['self-labelling alone', 0, 0],
    ['with the two-view alignment term', 1, 0],
    ['with the two-view agreement term', 0, 1],
  ])('keeps the tensor count constant from step to step and frees everything at the end (%s)', async (_name, align, agree) => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const cfg = { ...DEFAULT_TRAIN, modalities: ['image' as const], k: 2, heads: 2, width: 4, projection: 8, epochs: 4, batchSize: 4, labelUpdates: 3, align, agree };
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
