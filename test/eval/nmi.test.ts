import { describe, expect, it } from 'vitest';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';

describe('normalizedMutualInfo', () => {
  it('matches the values in scikit-learn normalized_mutual_info_score docs', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it('is 0.8 for [0,0,1,1] vs [0,0,1,2], by hand', () => {
    // MI = 2/4 ln(4·2/(2·2)) + 1/4 ln(4·1/(2·1)) + 1/4 ln(4·1/(2·1)) = ln 2.
    // H(truth) = ln 2; H(pred) = -(1/2 ln 1/2 + 2 · 1/4 ln 1/4) = 3/2 ln 2; mean = 5/4 ln 2.
    // NMI = ln 2 / (5/4 ln 2) = 0.8.
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 15);
  });

  it('is 0 when the labelings are independent in the sample ([0,0,1,1] vs [0,1,0,1])', () => {
    // Every cell n_ij = 1 = a_i b_j / n, so every log term is ln 1 = 0.
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
  });

  it('is 1 when both labelings have a single cluster, and for no samples (scikit-learn limit cases)', () => {
    expect(normalizedMutualInfo([4, 4, 4], [1, 1, 1])).toBe(1);
    expect(normalizedMutualInfo([], [])).toBe(1);
  });

  it('is exactly 1 for identical all-singleton partitions', () => {
    expect(normalizedMutualInfo([0, 1, 2, 3, 4, 5], [5, 3, 1, 0, 2, 4])).toBe(1);
  });

  it('is 0 when exactly one side is a single cluster', () => {
    expect(normalizedMutualInfo([0, 0, 0, 0], [0, 0, 1, 1])).toBe(0);
    expect(normalizedMutualInfo([0, 1, 2, 3], [9, 9, 9, 9])).toBe(0);
  });
});
