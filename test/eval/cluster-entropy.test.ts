import { describe, expect, it } from 'vitest';
import { meanClusterEntropy } from '../../src/eval/cluster-entropy.js';
import { contingencyTable } from '../../src/eval/contingency.js';
import { entropyOfCounts } from '../../src/eval/entropy.js';
import { mutualInfoOfTable } from '../../src/eval/mutual-info.js';
import { randomLabels, rng } from './random.js';

describe('meanClusterEntropy', () => {
  it('weights each cluster\'s class entropy by its size: (2/4) ln 2 + (2/4) 0', () => {
    // Cluster 0 = {class 0, class 1}: ln 2; cluster 1 = {class 0, class 0}: 0.
    expect(meanClusterEntropy([0, 1, 0, 0], [0, 0, 1, 1])).toBeCloseTo(0.5 * Math.log(2), 15);
  });

  it('is 0 when every cluster is pure, including all singletons', () => {
    expect(meanClusterEntropy([0, 0, 1, 1], [3, 3, 4, 5])).toBe(0);
    expect(meanClusterEntropy([0, 1, 2], [0, 1, 2])).toBe(0);
  });

  it('is ln k for one cluster holding k classes equally', () => {
    expect(meanClusterEntropy([0, 1, 2, 0, 1, 2], [0, 0, 0, 0, 0, 0])).toBeCloseTo(Math.log(3), 15);
  });

  it('equals H(truth) - MI (the conditional entropy) on random labelings', () => {
    const next = rng(11);
    const truth = randomLabels(5000, 8, next);
    const pred = randomLabels(5000, 13, next);
    const t = contingencyTable(truth, pred);
    expect(meanClusterEntropy(truth, pred)).toBeCloseTo(entropyOfCounts(t.rowSums) - mutualInfoOfTable(t), 12);
  });

  it('throws when there are no samples', () => {
    expect(() => meanClusterEntropy([], [])).toThrow(/at least one sample/);
  });
});
