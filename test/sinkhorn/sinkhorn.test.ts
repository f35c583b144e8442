import { describe, expect, it } from 'vitest';
import { sinkhorn } from '../../src/sinkhorn/sinkhorn.js';
import { ConfigError } from '../../src/errors.js';
import { expectClose } from '../helpers/expect-close.js';
import { clusteredLogits } from '../helpers/clustered-logits.js';
import { createRng } from '../../src/util/rng.js';

/** Row and column sums of an N x K plan, float64. */
function marginals(q: Float32Array, n: number, k: number) {
  const rows = new Float64Array(n);
  const cols = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
    rows[i] += q[i * k + j];
    cols[j] += q[i * k + j];
  }
  return { rows, cols };
}

function meanRelativeError(actual: ArrayLike<number>, target: ArrayLike<number>): number {
  let e = 0;
  for (let j = 0; j < target.length; j++) e += Math.abs(actual[j] - target[j]) / target[j];
  return e / target.length;
}

describe('sinkhorn', () => {
  it('matches the closed-form 2x2 plan', () => {
    // K = exp(S) = [[4, 1], [1, 1]]. A doubly-stochastic scaling keeps the cross ratio
    // ρ = K11·K22 / (K12·K21) = 4. With all marginals 1/2, Q = [[x, 1/2−x], [1/2−x, x]] and
    // x² / (1/2 − x)² = 4  ⇒  x / (1/2 − x) = 2  ⇒  x = 1/3.  Q = [[1/3, 1/6], [1/6, 1/3]] / 2·2…
    // rows sum to 1/N = 1/2: 1/3 + 1/6 = 1/2. ✓
    const s = new Float32Array([Math.log(4), 0, 0, 0]);
    const r = sinkhorn(s, 2, 2, { lambda: 1, tol: 1e-9, keepPlan: true });
    expectClose(r.plan!, [1 / 3, 1 / 6, 1 / 6, 1 / 3], 1e-6);
    expect(Array.from(r.labels)).toEqual([0, 1]);
    expect(r.converged).toBe(true);
  });

  it('splits items that all prefer one cluster by the strength of their preference', () => {
    // Plain argmax would put all four in cluster 0. Under equipartition, Q_i0/Q_i1 = e^{λ s_i}·v0/v1
    // is increasing in s_i, so the two strongest preferences (items 0, 1) keep cluster 0.
    const s = new Float32Array([4, 0, 3, 0, 2, 0, 1, 0]);
    const r = sinkhorn(s, 4, 2, { lambda: 1, tol: 1e-9 });
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 1]);
    expect(Array.from(r.counts)).toEqual([2, 2]);
  });

  it('rows sum to 1/N and columns to 1/K within tol (uniform prior)', () => {
    const n = 1000;
    const k = 10;
    const { logits } = clusteredLogits(n, k, { seed: 1, skew: 1 });
    const tol = 1e-4;
    const r = sinkhorn(logits, n, k, { lambda: 20, tol, keepPlan: true, maxIters: 5000 });
    expect(r.converged).toBe(true);
    const { rows, cols } = marginals(r.plan!, n, k);
    expectClose(rows, new Float64Array(n).fill(1 / n), 1e-6 / n);
    expect(meanRelativeError(cols, new Float64Array(k).fill(1 / k))).toBeLessThanOrEqual(tol);
    expect(r.error).toBeLessThanOrEqual(tol);
  });

  it('columns follow a non-uniform prior within tol', () => {
    const n = 900;
    const k = 3;
    const { logits } = clusteredLogits(n, k, { seed: 2 });
    const prior = [0.5, 0.3, 0.2];
    const r = sinkhorn(logits, n, k, { lambda: 10, tol: 1e-5, prior, keepPlan: true, maxIters: 5000 });
    const { cols } = marginals(r.plan!, n, k);
    expect(meanRelativeError(cols, prior)).toBeLessThanOrEqual(1e-5);
    // Hard labels follow the prior too (argmax of a plan that holds the marginals).
    expect(r.counts[0]).toBeGreaterThan(r.counts[1]);
    expect(r.counts[1]).toBeGreaterThan(r.counts[2]);
  });

  it('balances hard labels on skewed clustered logits', () => {
    const n = 2000;
    const k = 20;
    const { logits } = clusteredLogits(n, k, { seed: 3, skew: 2 });
    const r = sinkhorn(logits, n, k, { lambda: 20 });
    const target = n / k;
    for (const c of r.counts) expect(Math.abs(c - target)).toBeLessThanOrEqual(0.2 * target);
  });

  it('handles N < K and N not divisible by K', () => {
    for (const [n, k] of [[3, 5], [10, 3], [1, 2], [7, 7]]) {
      const { logits } = clusteredLogits(n, k, { seed: n * 31 + k });
      const r = sinkhorn(logits, n, k, { lambda: 20, tol: 1e-4, keepPlan: true, maxIters: 20_000 });
      expect(r.converged).toBe(true);
      const { rows, cols } = marginals(r.plan!, n, k);
      expectClose(rows, new Float64Array(n).fill(1 / n), 1e-6);
      expect(meanRelativeError(cols, new Float64Array(k).fill(1 / k))).toBeLessThanOrEqual(2e-4);
      expect(r.labels.every((l) => l >= 0 && l < k)).toBe(true);
      if (n >= k) expect(Math.max(...r.counts) - Math.min(...r.counts)).toBeLessThanOrEqual(1);
    }
  });

  it('labels by the balanced plan of the last ε-scaling stage when the cap stops it early', () => {
    // λ·|S| ~ 5e5 forces ε-scaling; 90 iterations end before t reaches 1. The duals then belong
    // to t·L, so labels must be argmax(t·L + b), not argmax(L + b) (which ignored the balancing:
    // counts stayed [103, 98, 86, 113] whatever the error).
    const n = 400;
    const k = 4;
    const rng = createRng(4);
    const s = new Float32Array(n * k).map(() => (rng.next() * 2 - 1) * 1e4);
    const r = sinkhorn(s, n, k, { lambda: 50, tol: 1e-3, maxIters: 90 });
    expect(r.converged).toBe(false);
    expect(r.error).toBeLessThan(0.01);
    for (const c of r.counts) expect(Math.abs(c - n / k)).toBeLessThanOrEqual(4);
  });

  // The threads engine finishes these two in the log domain on its own threads (the JavaScript
  // solver's on one core before): the same answers, and no hand-over.
  for (const engine of ['js', 'threads'] as const) {
    it(`stays finite for λ = 50 and logits of ±1e4 (engine: ${engine})`, () => {
      const n = 500;
      const k = 8;
      const rng = createRng(4);
      const s = new Float32Array(n * k).map(() => (rng.next() * 2 - 1) * 1e4);
      // λ·|S| ~ 1e6: a near-hard transport whose useful kernel entries underflow any float; the
      // solver must hand over to the log domain (with ε-scaling) and still balance the clusters.
      const r = sinkhorn(s, n, k, { lambda: 50, tol: 1e-3, maxIters: 20_000, keepPlan: engine === 'js', engine, threads: 2 });
      if (engine === 'threads') expect(['native', 'wasm']).toContain(r.kernels); // the JavaScript solver sets none
      if (r.plan) expect(r.plan.every(Number.isFinite)).toBe(true);
      expect(r.error).toBeLessThan(0.01);
      for (const c of r.counts) expect(Math.abs(c - n / k)).toBeLessThanOrEqual(2);
    });

    it(`keeps a column whose every entry is far below each row maximum (engine: ${engine})`, () => {
      // Column 2 is 1e3 below the best column in every row: exp(λ·Δ) underflows any float type,
      // yet equipartition must still give it a third of the items.
      const n = 30;
      const k = 3;
      const rng = createRng(5);
      const s = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        s[i * k] = rng.normal();
        s[i * k + 1] = rng.normal();
        s[i * k + 2] = -1000 + rng.normal();
      }
      const r = sinkhorn(s, n, k, { lambda: 20, maxIters: 20_000, engine, threads: 2 });
      if (engine === 'threads') expect(['native', 'wasm']).toContain(r.kernels); // the JavaScript solver sets none
      expect(Array.from(r.counts)).toEqual([10, 10, 10]);
    });
  }

  it('accepts float64 input and gives the same labels as float32', () => {
    const { logits } = clusteredLogits(300, 6, { seed: 6 });
    const a = sinkhorn(logits, 300, 6);
    const b = sinkhorn(Float64Array.from(logits), 300, 6);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
  });

  it('inPlace overwrites the input and returns the same labels', () => {
    const { logits } = clusteredLogits(300, 6, { seed: 7 });
    const copy = logits.slice();
    const a = sinkhorn(copy, 300, 6);
    const b = sinkhorn(logits, 300, 6, { inPlace: true });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(logits).not.toEqual(copy);
  });

  it('stops at the iteration cap and says it did not converge', () => {
    const { logits } = clusteredLogits(500, 10, { seed: 8, skew: 2 });
    const r = sinkhorn(logits, 500, 10, { lambda: 25, tol: 1e-12, maxIters: 3 });
    expect(r.iterations).toBe(3);
    expect(r.converged).toBe(false);
    expect(r.error).toBeGreaterThan(1e-12);
  });

  it('throws when k < 2, sizes mismatch, λ ≤ 0, a prior entry ≤ 0, or a score is not finite', () => {
    const s = new Float32Array(4);
    expect(() => sinkhorn(s, 4, 1)).toThrow(/k >= 2, got 1/);
    expect(() => sinkhorn(s, 3, 2)).toThrow(ConfigError);
    expect(() => sinkhorn(s, 2, 2, { lambda: 0 })).toThrow(/lambda > 0/);
    expect(() => sinkhorn(s, 2, 2, { prior: [1, 0] })).toThrow(/prior\[1\]/);
    expect(() => sinkhorn(new Float32Array([0, NaN, 0, 0]), 2, 2)).toThrow(/row 0/);
  });
});
