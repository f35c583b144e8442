import { describe, expect, it } from 'vitest';
import { clusterAccuracy } from '../../src/eval/accuracy.js';
import { contingencyTable, denseTable } from '../../src/eval/contingency.js';
import { hungarian } from '../../src/eval/hungarian.js';
import { randomLabels, rng } from './random.js';

/** Best accuracy over every one-to-one map of clusters to classes, by enumeration. */
function bruteForceAccuracy(truth: Int32Array, pred: Int32Array): number {
  const t = contingencyTable(truth, pred);
  const r = t.classes.length;
  const c = t.clusters.length;
  const m = denseTable(t);
  let best = 0;
  const used = new Array<boolean>(r).fill(false);
  // Each cluster picks a distinct class or none.
  const walk = (j: number, sum: number): void => {
    if (j === c) {
      best = Math.max(best, sum);
      return;
    }
    walk(j + 1, sum);
    for (let i = 0; i < r; i++) {
      if (used[i]) continue;
      used[i] = true;
      walk(j + 1, sum + m[i * c + j]);
      used[i] = false;
    }
  };
  walk(0, 0);
  return best / truth.length;
}

describe('clusterAccuracy', () => {
  it('is 1 for the same partition under renamed clusters', () => {
    expect(clusterAccuracy([0, 0, 1, 1, 2], [5, 5, 9, 9, 1])).toBe(1);
  });

  it('counts an extra cluster as wrong: [0,0,1,1] vs [1,1,0,2] is 3/4', () => {
    // cluster 1 -> class 0 (2 right), cluster 0 -> class 1 (1 right), cluster 2 unmatched (1 wrong).
    expect(clusterAccuracy([0, 0, 1, 1], [1, 1, 0, 2])).toBe(0.75);
  });

  it('leaves a class unmatched when there are fewer clusters: 4/6', () => {
    // Clusters: 0 = {c0, c0, c1, c1}, 1 = {c2, c2}. Best: 0 -> class 0 or 1 (2), 1 -> class 2 (2).
    expect(clusterAccuracy([0, 0, 1, 1, 2, 2], [0, 0, 0, 0, 1, 1])).toBeCloseTo(4 / 6, 15);
  });

  it('does not reward all singletons: only as many clusters as classes can be right', () => {
    expect(clusterAccuracy([0, 0, 1, 1], [0, 1, 2, 3])).toBe(0.5);
  });

  it('is the majority class share for a single cluster', () => {
    expect(clusterAccuracy([0, 1, 1, 2, 1], [0, 0, 0, 0, 0])).toBe(0.6);
  });

  it('equals brute force over all cluster-to-class maps on random small labelings', () => {
    const next = rng(9);
    for (let trial = 0; trial < 150; trial++) {
      const n = 2 + Math.floor(next() * 20);
      const truth = randomLabels(n, 1 + Math.floor(next() * 5), next);
      const pred = randomLabels(n, 1 + Math.floor(next() * 5), next);
      expect(clusterAccuracy(truth, pred)).toBeCloseTo(bruteForceAccuracy(truth, pred), 12);
    }
  });

  it('gives the same answer as the unpruned assignment under heavy over-clustering (400 clusters, 6 classes)', () => {
    const next = rng(10);
    for (let trial = 0; trial < 5; trial++) {
      const truth = randomLabels(3000, 6, next);
      const pred = truth.map((t) => (next() < 0.5 ? t * 7 : Math.floor(next() * 400)));
      const t = contingencyTable(truth, pred);
      const dense = denseTable(t);
      const rows = Array.from({ length: t.classes.length }, (_, i) => dense.subarray(i * t.clusters.length, (i + 1) * t.clusters.length));
      const full = hungarian(rows, { maximize: true }).total / truth.length;
      expect(clusterAccuracy(truth, pred)).toBeCloseTo(full, 12);
    }
  });

  it('throws when there are no samples', () => {
    expect(() => clusterAccuracy([], [])).toThrow(/at least one sample/);
  });
});
