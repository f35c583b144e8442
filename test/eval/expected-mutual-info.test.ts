import { describe, expect, it } from 'vitest';
import { contingencyTable } from '../../src/eval/contingency.js';
import { expectedMutualInfo } from '../../src/eval/expected-mutual-info.js';
import { logGamma } from '../../src/eval/log-gamma.js';
import { mutualInfoOfTable } from '../../src/eval/mutual-info.js';
import { forEachPermutation, randomLabels, rng } from './random.js';

/** E[MI] straight from the definition: every (i, j) and every k of the support, no shortcuts. */
function naiveEmi(rowSums: Float64Array, colSums: Float64Array, n: number): number {
  let emi = 0;
  for (const a of rowSums) {
    for (const b of colSums) {
      for (let k = Math.max(1, a + b - n); k <= Math.min(a, b); k++) {
        const logP =
          logGamma(a + 1) + logGamma(b + 1) + logGamma(n - a + 1) + logGamma(n - b + 1) - logGamma(n + 1) -
          logGamma(k + 1) - logGamma(a - k + 1) - logGamma(b - k + 1) - logGamma(n - a - b + k + 1);
        emi += (k / n) * Math.log((n * k) / (a * b)) * Math.exp(logP);
      }
    }
  }
  return emi;
}

describe('expectedMutualInfo', () => {
  it('is ln 2 / 3 for two clusters of 2 against two clusters of 2, by hand', () => {
    // Each of the 4 (a=2, b=2) pairs: k ~ hypergeometric, P(k=2) = C(2,2)C(2,0)/C(4,2) = 1/6;
    // k=1 adds (1/4) ln(4·1/4) = 0, k=2 adds (2/4) ln(4·2/4) · 1/6 = ln 2 / 12. Total 4 · ln 2 / 12.
    expect(expectedMutualInfo(contingencyTable([0, 0, 1, 1], [0, 1, 0, 1]))).toBeCloseTo(Math.log(2) / 3, 15);
  });

  it('equals the mean MI over every permutation of the predicted labels (n = 7, 5040 orders)', () => {
    const truth = [0, 0, 0, 1, 1, 2, 2];
    const pred = [0, 1, 1, 1, 2, 2, 2];
    let sum = 0;
    let count = 0;
    forEachPermutation(pred, (p) => {
      sum += mutualInfoOfTable(contingencyTable(truth, p));
      count += 1;
    });
    expect(count).toBe(5040);
    expect(expectedMutualInfo(contingencyTable(truth, pred))).toBeCloseTo(sum / count, 13);
  });

  it('equals the full log-gamma sum over the whole support on random margins (walk and cutoff lose nothing)', () => {
    const next = rng(4);
    for (const [n, k1, k2] of [[60, 3, 4], [500, 5, 12], [2000, 2, 3], [3000, 40, 7]]) {
      const t = contingencyTable(randomLabels(n, k1, next), randomLabels(n, k2, next));
      const want = naiveEmi(t.rowSums, t.colSums, n);
      expect(Math.abs(expectedMutualInfo(t) - want)).toBeLessThan(1e-12 * Math.max(1, want));
    }
  });

  it('is 0 when either side is a single cluster', () => {
    expect(expectedMutualInfo(contingencyTable([0, 0, 0], [0, 1, 2]))).toBe(0);
    expect(expectedMutualInfo(contingencyTable([0, 1, 1], [5, 5, 5]))).toBe(0);
  });

  it('is ln n for two all-singleton labelings (every pair meets with probability 1/n)', () => {
    // n² pairs (a=1, b=1): P(k=1) = 1/n, term (1/n) ln(n) -> n² · (1/n) · (1/n) ln n = ln n.
    const n = 50_000; // 2.5e9 (class, cluster) pairs, one distinct pair of sizes
    const ids = Int32Array.from({ length: n }, (_, i) => i);
    expect(expectedMutualInfo(contingencyTable(ids, ids))).toBeCloseTo(Math.log(n), 12);
  });

  it('matches the (r-1)(c-1)/(2n) large-sample approximation at n = 1e6', () => {
    const next = rng(5);
    const n = 1_000_000;
    const t = contingencyTable(randomLabels(n, 300, next), randomLabels(n, 200, next));
    const emi = expectedMutualInfo(t);
    expect(emi / ((299 * 199) / (2 * n))).toBeCloseTo(1, 1);
  });
});
