import { describe, expect, it } from 'vitest';
import { gaussianSizes, matchPriorByMass, resolvePrior, softmaxColumnMass } from '../../src/sinkhorn/prior.js';
import { sinkhorn } from '../../src/sinkhorn/sinkhorn.js';
import { createRng } from '../../src/util/rng.js';
import { clusteredLogits } from '../helpers/clustered-logits.js';
import { expectClose } from '../helpers/expect-close.js';

describe('cluster-size prior', () => {
  it('gives the largest target to the cluster with the largest current mass', () => {
    // masses 10, 30, 20 → ranks: cluster 1 first, cluster 2 second, cluster 0 third.
    expectClose(matchPriorByMass([0.5, 0.3, 0.2], [10, 30, 20]), [0.2, 0.5, 0.3], 0);
    expectClose(matchPriorByMass([0.2, 0.5, 0.3], [10, 30, 20]), [0.2, 0.5, 0.3], 0);
  });

  it('gaussian sizes sum to 1, stay positive, and spread with sd', () => {
    const narrow = gaussianSizes(50, 0.01, createRng(1));
    const wide = gaussianSizes(50, 0.5, createRng(1));
    for (const w of [narrow, wide]) {
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(w.every((x) => x > 0)).toBe(true);
    }
    const spread = (w: Float64Array) => Math.max(...w) / Math.min(...w);
    expect(spread(narrow)).toBeLessThan(1.1);
    expect(spread(wide)).toBeGreaterThan(2);
  });

  it('softmax column mass sums to N and follows the logits', () => {
    // Two items, logits [ln 3, 0] → p = [3/4, 1/4] each: masses [1.5, 0.5].
    expectClose(softmaxColumnMass([Math.log(3), 0, Math.log(3), 0], 2, 2), [1.5, 0.5], 1e-12);
  });

  it('keeps currently large clusters large after the solve (not inverted)', () => {
    const n = 3000;
    const k = 6;
    const { logits } = clusteredLogits(n, k, { seed: 9, skew: 1.5, margin: 2 });
    const mass = softmaxColumnMass(logits, n, k);
    const prior = resolvePrior('gauss', logits, n, k, 0.5, createRng(3))!;
    const { counts } = sinkhorn(logits, n, k, { lambda: 20, prior });
    const biggestNow = mass.indexOf(Math.max(...mass));
    const smallestNow = mass.indexOf(Math.min(...mass));
    expect(prior[biggestNow]).toBe(Math.max(...prior));
    expect(prior[smallestNow]).toBe(Math.min(...prior));
    expect(counts[biggestNow]).toBe(Math.max(...counts));
    expect(counts[smallestNow]).toBe(Math.min(...counts));
  });

  it('uniform means no prior', () => {
    expect(resolvePrior('uniform', [0, 0], 1, 2, 0.1, createRng(0))).toBeUndefined();
  });

  it('throws when sd is negative', () => {
    expect(() => gaussianSizes(3, -1, createRng(0))).toThrow(/--sd must be >= 0, got -1/);
  });
});
