import { describe, expect, it } from 'vitest';
import { adjustedMutualInfo } from '../../src/eval/ami.js';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';
import { randomLabels, rng } from './random.js';

describe('adjustedMutualInfo', () => {
  it('matches the values in scikit-learn adjusted_mutual_info_score docs', () => {
    expect(adjustedMutualInfo([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it('is 4/7 for [0,0,1,1] vs [0,0,1,2], by hand', () => {
    // MI = ln 2 and mean entropy = 5/4 ln 2 (see the NMI test).
    // E[MI]: 2 pairs (a=2, b=2): P(k=2) = 1/6, term (2/4) ln 2 -> 2 · ln 2 / 12 = ln 2 / 6;
    //        4 pairs (a=2, b=1): P(k=1) = 2/4, term (1/4) ln(4/2) -> 4 · ln 2 / 8 = ln 2 / 2.
    // E[MI] = 2/3 ln 2; AMI = (1 - 2/3) / (5/4 - 2/3) = (1/3) / (7/12) = 4/7.
    expect(adjustedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 14);
    expect(adjustedMutualInfo([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(4 / 7, 14);
  });

  it('is -1/2 for [0,0,1,1] vs [0,1,0,1], by hand', () => {
    // MI = 0, E[MI] = ln 2 / 3, mean entropy = ln 2: AMI = (0 - 1/3) / (1 - 1/3) = -1/2.
    expect(adjustedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
  });

  it('is 1 when both labelings have a single cluster, and for no samples (scikit-learn limit cases)', () => {
    expect(adjustedMutualInfo([2, 2, 2, 2], [0, 0, 0, 0])).toBe(1);
    expect(adjustedMutualInfo([], [])).toBe(1);
  });

  it('is exactly 1 for identical all-singleton partitions, where the formula is 0/0', () => {
    for (const n of [2, 3, 4, 17]) {
      const ids = Array.from({ length: n }, (_, i) => i);
      expect(adjustedMutualInfo(ids, [...ids].reverse())).toBe(1);
    }
  });

  it('is exactly 0 when exactly one side is a single cluster', () => {
    expect(adjustedMutualInfo([0, 0, 0, 0, 0], [0, 1, 2, 3, 4])).toBe(0);
    expect(adjustedMutualInfo([0, 1, 1, 2], [3, 3, 3, 3])).toBe(0);
  });

  it('is near 0 for random labels at n = 10000 while NMI is not', () => {
    const next = rng(6);
    const truth = randomLabels(10_000, 10, next);
    const pred = randomLabels(10_000, 100, next);
    const nmi = normalizedMutualInfo(truth, pred);
    const ami = adjustedMutualInfo(truth, pred);
    expect(nmi).toBeGreaterThan(0.005); // chance alone: ~ (10-1)(100-1)/(2n) / mean entropy ≈ 0.013
    expect(nmi).toBeLessThan(0.05);
    expect(Math.abs(ami)).toBeLessThan(0.01);
  });

  it('stays finite and near 0 for random labels at n = 1e6 with 300 x 300 clusters', () => {
    const next = rng(7);
    const ami = adjustedMutualInfo(randomLabels(1_000_000, 300, next), randomLabels(1_000_000, 300, next));
    expect(Number.isFinite(ami)).toBe(true);
    expect(Math.abs(ami)).toBeLessThan(1e-3);
  });

  it('lies strictly between 0 and 1 for a noisy copy at n = 1e6', () => {
    const next = rng(8);
    const truth = randomLabels(1_000_000, 50, next);
    const pred = truth.map((t) => (next() < 0.3 ? Math.floor(next() * 50) : t));
    const ami = adjustedMutualInfo(truth, pred);
    const nmi = normalizedMutualInfo(truth, pred);
    expect(ami).toBeGreaterThan(0.3);
    expect(ami).toBeLessThan(nmi); // the chance correction only ever lowers it here
  });
});
