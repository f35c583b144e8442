import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { clusterMutualInfo } from '../../src/train/agreement-loss.js';

describe('clusterMutualInfo', () => {
  it('is ln K when both views agree on K equally used clusters', () => {
    const eye = tf.eye(4) as tf.Tensor2D; // 4 items, 4 clusters, one each
    expect(clusterMutualInfo(eye, eye, true).dataSync()[0]).toBeCloseTo(Math.log(4), 5);
  });

  it('is 0 when the views are independent, and when everything lands in one cluster', () => {
    // View a splits items {0,1} | {2,3}; view b splits {0,2} | {1,3}: every joint cell 1/4.
    const a = tf.tensor2d([[1, 0], [1, 0], [0, 1], [0, 1]]);
    const b = tf.tensor2d([[1, 0], [0, 1], [1, 0], [0, 1]]);
    expect(clusterMutualInfo(a, b, true).dataSync()[0]).toBeCloseTo(0, 5);
    const one = tf.tensor2d([[1, 0], [1, 0], [1, 0]]);
    expect(clusterMutualInfo(one, one, true).dataSync()[0]).toBeCloseTo(0, 5);
  });

  it('counts any one-to-one match of clusters when not symmetric (two networks), only the same index when symmetric', () => {
    // Three balanced clusters; side b names them by a 3-cycle: 0→1, 1→2, 2→0.
    const a = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3) as tf.Tensor2D;
    const b = tf.oneHot(tf.tensor1d([1, 2, 0, 1, 2, 0], 'int32'), 3) as tf.Tensor2D;
    expect(clusterMutualInfo(a, b, false).dataSync()[0]).toBeCloseTo(Math.log(3), 5);
    // Symmetrised joint: each off-diagonal pair (j, j+1) gets 1/6 both ways: I = ln 3 − ln 2.
    expect(clusterMutualInfo(a, b, true).dataSync()[0]).toBeCloseTo(Math.log(3) - Math.log(2), 5);
  });

  it('matches a hand computation with soft posteriors', () => {
    // Two items: pa = [[0.8, 0.2], [0.2, 0.8]], pb = [[0.6, 0.4], [0.4, 0.6]].
    // Joint (1/2)Σ pa_i pb_iᵀ = [[0.28, 0.22], [0.22, 0.28]] (already symmetric); marginals 1/2.
    const a = tf.tensor2d([[0.8, 0.2], [0.2, 0.8]]);
    const b = tf.tensor2d([[0.6, 0.4], [0.4, 0.6]]);
    const want = 2 * 0.28 * Math.log(0.28 / 0.25) + 2 * 0.22 * Math.log(0.22 / 0.25);
    expect(clusterMutualInfo(a, b, true).dataSync()[0]).toBeCloseTo(want, 6);
  });
});
