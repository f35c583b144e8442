import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../src/eval/ari.js';
import { randomLabels, rng } from './random.js';

describe('adjustedRandIndex', () => {
  it('matches the values in scikit-learn adjusted_rand_score docs', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714, 10);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714, 10);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 15);
  });

  it('is 4/7 for [0,0,1,2] vs [0,0,1,1], by hand', () => {
    // Σ C(n_ij,2) = C(2,2) = 1; class sizes 2,1,1 -> Σ C(a,2) = 1; clusters 2,2 -> Σ C(b,2) = 2.
    // Expected = 1·2 / C(4,2) = 1/3; max = (1 + 2)/2 = 3/2; ARI = (1 - 1/3) / (3/2 - 1/3) = 4/7.
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(4 / 7, 15);
  });

  it('is -1/2 for [0,0,1,1] vs [0,1,0,1], by hand', () => {
    // Every cell is 1: Σ C(n_ij,2) = 0; Σ C(a,2) = Σ C(b,2) = 2; expected = 4/6; max = 2.
    // ARI = (0 - 2/3) / (2 - 2/3) = -1/2.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 15);
  });

  it('is 1 for identical partitions, including one cluster each, all singletons, one sample and none', () => {
    expect(adjustedRandIndex([3, 3, 3], [0, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 1, 2, 3, 4], [4, 2, 0, 1, 3])).toBe(1);
    expect(adjustedRandIndex([7], [2])).toBe(1);
    expect(adjustedRandIndex([], [])).toBe(1);
  });

  it('is exactly 0 for one cluster against all singletons', () => {
    expect(adjustedRandIndex([0, 0, 0, 0, 0], [0, 1, 2, 3, 4])).toBe(0);
    expect(adjustedRandIndex([0, 1, 2, 3, 4], [0, 0, 0, 0, 0])).toBe(0);
  });

  it('stays exact at n = 1e6, where pair-count products exceed 2^53', () => {
    const n = 1_000_000;
    const truth = Int32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    const pred = Int32Array.from({ length: n }, (_, i) => i % 2);
    // Cells 4 x C(250000,2) = 4A; Σ C(a,2) = Σ C(b,2) = R = 2 C(500000,2); P = C(1e6,2).
    // ARI = (4A - R²/P) / (R - R²/P), evaluated in exact rationals with BigInt.
    const A = 250000n * 249999n / 2n;
    const R = 500000n * 499999n;
    const P = 1000000n * 999999n / 2n;
    const expected = Number(4n * A * P - R * R) / Number(R * P - R * R);
    expect(adjustedRandIndex(truth, pred)).toBeCloseTo(expected, 15);
    expect(adjustedRandIndex(truth, truth)).toBe(1);
  });

  it('is near 0 for independent random labelings', () => {
    const next = rng(3);
    const ari = adjustedRandIndex(randomLabels(10_000, 10, next), randomLabels(10_000, 20, next));
    expect(Math.abs(ari)).toBeLessThan(0.01);
  });
});
