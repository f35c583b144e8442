/** Properties the metrics share: renaming labels and reordering samples change nothing; all but purity and entropy are symmetric. */
import { describe, expect, it } from 'vitest';
import { clusterAccuracy } from '../../src/eval/accuracy.js';
import { adjustedMutualInfo } from '../../src/eval/ami.js';
import { adjustedRandIndex } from '../../src/eval/ari.js';
import { meanClusterEntropy } from '../../src/eval/cluster-entropy.js';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';
import { purity } from '../../src/eval/purity.js';
import { randomLabels, renamed, rng, shuffledOrder } from './random.js';

type Metric = (truth: ArrayLike<number>, pred: ArrayLike<number>) => number;
const all: [string, Metric][] = [
  ['nmi', normalizedMutualInfo],
  ['ami', adjustedMutualInfo],
  ['ari', adjustedRandIndex],
  ['accuracy', clusterAccuracy],
  ['purity', purity],
  ['entropy', meanClusterEntropy],
];

/** Random labelings of several shapes, some with planted agreement. */
function cases(seed: number): [Int32Array, Int32Array][] {
  const next = rng(seed);
  const out: [Int32Array, Int32Array][] = [];
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + Math.floor(next() * 300);
    const truth = randomLabels(n, 1 + Math.floor(next() * 8), next);
    const noise = next();
    const k = 1 + Math.floor(next() * 12);
    out.push([truth, truth.map((t) => (next() < noise ? Math.floor(next() * k) : t))]);
  }
  return out;
}

describe.each(all)('%s', (_name, metric) => {
  it('does not change when the labels are renamed on either side', () => {
    const next = rng(12);
    for (const [truth, pred] of cases(13)) {
      const want = metric(truth, pred);
      expect(metric(renamed(truth, next), pred)).toBeCloseTo(want, 12);
      expect(metric(truth, renamed(pred, next))).toBeCloseTo(want, 12);
    }
  });

  it('does not change when the samples are reordered', () => {
    const next = rng(14);
    for (const [truth, pred] of cases(15)) {
      const order = shuffledOrder(truth.length, next);
      expect(metric(order.map((i) => truth[i]), order.map((i) => pred[i]))).toBeCloseTo(metric(truth, pred), 12);
    }
  });

  it('throws when the label vectors have different lengths', () => {
    expect(() => metric([0, 1, 1], [0, 1])).toThrow(/truth has 3 labels but pred has 2/);
  });
});

describe.each(all.filter(([name]) => name !== 'purity' && name !== 'entropy'))('%s', (_name, metric) => {
  it('is symmetric in truth and pred', () => {
    for (const [truth, pred] of cases(16)) expect(metric(pred, truth)).toBeCloseTo(metric(truth, pred), 12);
  });
});
