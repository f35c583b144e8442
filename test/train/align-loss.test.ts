import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { infoNce } from '../../src/train/align-loss.js';

describe('infoNce', () => {
  it('matches a hand computation on two items', () => {
    // a = [e1, e2], b = [e1, (e1+e2)/√2]; τ = 1. Similarities S = a·bᵀ = [[1, s], [0, s]], s = 1/√2.
    const s = Math.SQRT1_2;
    const a = tf.tensor2d([[1, 0], [0, 1]]);
    const b = tf.tensor2d([[1, 0], [s, s]]);
    const got = infoNce(a, b, 1).dataSync()[0];
    const lse = (x: number, y: number) => Math.log(Math.exp(x) + Math.exp(y));
    // rows (a_i vs all b): item 0 target 1 among {1, s}; item 1 target s among {0, s}.
    const rows = (lse(1, s) - 1 + lse(0, s) - s) / 2;
    // columns (b_j vs all a): S's columns are [1, 0] (target 1) and [s, s] (target s).
    const cols = (lse(1, 0) - 1 + lse(s, s) - s) / 2;
    expect(got).toBeCloseTo((rows + cols) / 2, 6);
  });

  it('is ln B for embeddings that cannot tell items apart, and near 0 for perfectly matched ones', () => {
    const same = tf.tensor2d(Array.from({ length: 4 }, () => [1, 0]));
    expect(infoNce(same, same, 0.1).dataSync()[0]).toBeCloseTo(Math.log(4), 5);
    const eye = tf.eye(4) as tf.Tensor2D;
    expect(infoNce(eye, eye, 0.05).dataSync()[0]).toBeLessThan(1e-6);
  });
});
