/** The answer read from the encoder's features (src/train/feature-answer.ts): UMAP, then k-means. */
import { describe, expect, it } from 'vitest';
import { FEATURE_ANSWER_MAX_ITEMS, featureAnswer, featureAnswerApplies, marginConfidence } from '../../src/train/feature-answer.js';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';
import { createRng } from '../../src/util/rng.js';

describe('marginConfidence', () => {
  it('is d2 / (d1 + d2) from the cluster means, by hand', () => {
    // 1-D points 0, 1 | 10, 11: means 0.5 and 10.5.
    const c = marginConfidence(Float32Array.from([0, 1, 10, 11]), 4, 1, Int32Array.from([0, 0, 1, 1]), 2);
    expect(Array.from(c).map((x) => Number(x.toFixed(4)))).toEqual([10.5 / 11, 9.5 / 10, 9.5 / 10, 10.5 / 11].map((x) => Number(x.toFixed(4))));
    // One cluster only: nothing to be confused with.
    expect(Array.from(marginConfidence(Float32Array.from([0, 1]), 2, 1, Int32Array.from([0, 0]), 2))).toEqual([1, 1]);
  });
});

describe('featureAnswerApplies', () => {
  it('takes 500 items (or 20 a cluster) up to 100,000', () => {
    expect(featureAnswerApplies(499, 10).applies).toBe(false);
    expect(featureAnswerApplies(500, 10).applies).toBe(true);
    expect(featureAnswerApplies(999, 50).applies).toBe(false); // 20 neighbours x 50 clusters
    expect(featureAnswerApplies(FEATURE_ANSWER_MAX_ITEMS, 10).applies).toBe(true);
    const over = featureAnswerApplies(FEATURE_ANSWER_MAX_ITEMS + 1, 10);
    expect(over.applies).toBe(false);
    expect(!over.applies && over.why).toMatch(/more than the features' answer takes/);
  });
});

describe('featureAnswer', () => {
  it('finds clusters along directions of the features, the same for the same seed', () => {
    // Three clusters of 200 items in 8-D: directions e0, e1, e2 (the rows are L2-normalised), noise 0.25.
    const n = 600;
    const d = 8;
    const rng = createRng(7);
    const truth = Int32Array.from({ length: n }, (_, i) => i % 3);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) x[i * d + t] = (t === truth[i] ? 3 : 0) + 0.25 * rng.normal() + 1;
    const a = featureAnswer(x, n, d, 3, 1);
    expect(normalizedMutualInfo(truth, a.labels)).toBeGreaterThan(0.95);
    expect(Math.min(...a.confidence)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...a.confidence)).toBeLessThanOrEqual(1);
    expect(Array.from(featureAnswer(x, n, d, 3, 1).labels)).toEqual(Array.from(a.labels));
  });
});
