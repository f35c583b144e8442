import { describe, expect, it } from 'vitest';
import { kmeans } from '../../src/eval/kmeans.js';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';
import { createRng } from '../../src/util/rng.js';

describe('kmeans', () => {
  it('separates well-separated blobs exactly', () => {
    const rng = createRng(1);
    const n = 300;
    const truth = Int32Array.from({ length: n }, (_, i) => i % 3);
    const x = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      x[i * 2] = truth[i] * 10 + rng.normal() * 0.5;
      x[i * 2 + 1] = (truth[i] % 2) * 10 + rng.normal() * 0.5;
    }
    const r = kmeans(x, n, 2, 3, createRng(2));
    expect(normalizedMutualInfo(truth, r.labels)).toBe(1);
  });

  it('matches a hand-computed 1-D case', () => {
    // Points 0, 1, 10, 11 into 2 clusters: centres 0.5 and 10.5, inertia 4 · 0.25 = 1.
    const r = kmeans(new Float32Array([0, 1, 10, 11]), 4, 1, 2, createRng(0));
    expect(r.labels[0]).toBe(r.labels[1]);
    expect(r.labels[2]).toBe(r.labels[3]);
    expect(r.labels[0]).not.toBe(r.labels[2]);
    expect(r.inertia).toBeCloseTo(1, 12);
  });

  it('is reproducible from the seed, and throws when k > n', () => {
    const x = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i));
    expect(Array.from(kmeans(x, 100, 2, 4, createRng(5)).labels)).toEqual(Array.from(kmeans(x, 100, 2, 4, createRng(5)).labels));
    expect(() => kmeans(x, 100, 2, 101, createRng(0))).toThrow(/k <= n=100, got 101/);
  });
});
