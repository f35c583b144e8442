/**
 * With one modality, `align` or `agree` > 0 trains on two augmented views of each item (the pairs);
 * without it, one view. Counted at the data set: augmented batches drawn per training step.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN, train } from '../../src/train/selavi.js';
import type { TrainSet } from '../../src/train/train-set.js';

function countingImages(n: number, calls: { augmented: number; plain: number }): TrainSet {
  return {
    n,
    names: Array.from({ length: n }, (_, i) => `img${i}`),
    shapes: { image: [4, 4, 1] },
    batch: (idx, augment) => {
      calls[augment ? 'augmented' : 'plain']++;
      const data = Float32Array.from({ length: idx.length * 16 }, (_, i) => ((i * 7919) % 13) / 13);
      return { image: { data, shape: [idx.length, 4, 4, 1] } };
    },
  };
}

describe('two-view alignment (one modality)', () => {
  it.each([
    [0, 0, 1],
    [1, 0, 2],
    [0, 1, 2],
  ])('align %d, agree %d: draws %d augmented batch(es) per step', async (align, agree, perStep) => {
    await tf.setBackend('cpu');
    const calls = { augmented: 0, plain: 0 };
    const steps: number[] = [];
    const logs: { align_loss?: number; agree_mi?: number }[] = [];
    const cfg = { ...DEFAULT_TRAIN, modalities: ['image' as const], k: 2, heads: 1, width: 4, projection: 8, epochs: 2, batchSize: 4, labelUpdates: 2, align, agree };
    await train(cfg, countingImages(8, calls), {
      runDir: mkdtempSync(path.join(os.tmpdir(), 'selavi-views-')),
      resume: false,
      logJson: (o) => logs.push(o as { align_loss?: number; agree_mi?: number }),
      say: () => undefined,
      onStep: (s) => steps.push(s),
    });
    expect(steps).toHaveLength(4);
    expect(calls.augmented).toBe(perStep * 4);
    expect(calls.plain).toBeGreaterThan(0); // the relabel passes, never augmented
    // The log reports the alignment part of the loss only when it is trained.
    const last = logs.at(-1)!;
    if (align > 0) expect(last.align_loss).toBeGreaterThan(0);
    else expect(last).not.toHaveProperty('align_loss');
    // Mutual information of the two views' clusters: between 0 and ln K (here K = 2).
    if (agree > 0) {
      expect(last.agree_mi).toBeGreaterThanOrEqual(0);
      expect(last.agree_mi).toBeLessThanOrEqual(Math.log(2) + 1e-6);
    } else expect(last).not.toHaveProperty('agree_mi');
  });
});

describe('two-view alignment without augmentation', () => {
  it.each(['align', 'agree'] as const)('--%s is refused with a message naming the flags (two identical views would agree trivially)', async (flag) => {
    await tf.setBackend('cpu');
    const cfg = { ...DEFAULT_TRAIN, modalities: ['image' as const], k: 2, heads: 1, width: 4, projection: 8, epochs: 1, batchSize: 4, [flag]: 1, augment: false };
    const deps = { runDir: mkdtempSync(path.join(os.tmpdir(), 'selavi-views-')), resume: false, logJson: () => undefined, say: () => undefined };
    await expect(train(cfg, countingImages(8, { augmented: 0, plain: 0 }), deps)).rejects.toThrow(new RegExp(`--${flag} .*--no-augment`));
  });
});
