import { describe, expect, it } from 'vitest';
import { buildHeadEnsemble, ensembleAnswer, matchClusterNumbers } from '../../src/train/head-ensemble.js';

const log = (rows: number[][]) => Float32Array.from(rows.flat().map(Math.log));

describe('matchClusterNumbers', () => {
  it('maps each cluster onto the reference cluster it shares most items with', () => {
    expect(matchClusterNumbers(Int32Array.of(1, 1, 0), Int32Array.of(0, 0, 1), 2)).toEqual([1, 0]);
    // 3 clusters: this head's 0 is the reference's 2 (3 items), 1 -> 0, 2 -> 1; one item disagrees.
    const labels = Int32Array.of(0, 0, 0, 1, 1, 2, 2, 2);
    const reference = Int32Array.of(2, 2, 2, 0, 1, 1, 1, 1);
    expect(matchClusterNumbers(labels, reference, 3)).toEqual([2, 0, 1]);
  });

  it('refuses label vectors of different lengths', () => {
    expect(() => matchClusterNumbers(Int32Array.of(0, 1), Int32Array.of(0), 2)).toThrow(RangeError);
  });
});

describe('the heads ensemble', () => {
  // Two heads over 3 items and 2 clusters; head 1 numbers its clusters the other way round.
  const head0 = log([
    [0.9, 0.1],
    [0.45, 0.55], // head 0 is unsure about item 1 ...
    [0.2, 0.8],
  ]);
  const head1 = log([
    [0.2, 0.8], // its cluster 1 is head 0's cluster 0
    [0.9, 0.1], // ... head 1 is sure: its cluster 0, head 0's cluster 1
    [0.7, 0.3],
  ]);

  it('puts the reference first with the identity and matches the others onto it', () => {
    const e = buildHeadEnsemble([head0, head1], [0, 1], 0, 3, 2);
    expect(e).toEqual({ heads: [0, 1], permutations: [[0, 1], [1, 0]] });
    expect(buildHeadEnsemble([head0, head1], [0, 1], 1, 3, 2).heads).toEqual([1, 0]);
  });

  it('answers with the argmax of the matched sum, in the reference head numbering, with renormalised confidence', () => {
    const e = buildHeadEnsemble([head0, head1], [0, 1], 0, 3, 2);
    const { labels, confidence } = ensembleAnswer([head0, head1], e, 3, 2);
    // Item 1: head 0 says (0.45, 0.55), head 1 in head 0's numbering says (0.1, 0.9): cluster 1.
    // Item 0: (0.9, 0.1) x (0.8, 0.2) -> 0; item 2: (0.2, 0.8) x (0.3, 0.7) -> 1.
    expect(Array.from(labels)).toEqual([0, 1, 1]);
    const p = (a: number, b: number) => a / (a + b);
    expect(confidence[0]).toBeCloseTo(p(0.9 * 0.8, 0.1 * 0.2), 5);
    expect(confidence[1]).toBeCloseTo(p(0.55 * 0.9, 0.45 * 0.1), 5);
    expect(confidence[2]).toBeCloseTo(p(0.8 * 0.7, 0.2 * 0.3), 5);
  });

  it('with one head, is that head argmax', () => {
    const e = buildHeadEnsemble([head0, head1], [0], 0, 3, 2);
    expect(Array.from(ensembleAnswer([head0, head1], e, 3, 2).labels)).toEqual([0, 1, 1]);
    const only1 = buildHeadEnsemble([head0, head1], [1], 1, 3, 2);
    expect(Array.from(ensembleAnswer([head0, head1], only1, 3, 2).labels)).toEqual([1, 0, 0]);
  });

  it('with 3 clusters, adds each cluster of a member into the reference cluster it was matched to (a 3-cycle)', () => {
    // Member 1 numbers the reference's clusters 0, 1, 2 as 1, 2, 0: its cluster j is reference cluster (j + 2) % 3.
    const ref = log([
      [0.8, 0.1, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
      [0.4, 0.35, 0.25], // the reference leans to 0 ...
    ]);
    const member = log([
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
      [0.8, 0.1, 0.1],
      [0.05, 0.05, 0.9], // ... the member is sure of its cluster 2 = reference cluster 1
    ]);
    const e = buildHeadEnsemble([ref, member], [0, 1], 0, 4, 3);
    expect(e.permutations[1]).toEqual([2, 0, 1]);
    const { labels, confidence } = ensembleAnswer([ref, member], e, 4, 3);
    expect(Array.from(labels)).toEqual([0, 1, 2, 1]);
    // Item 3: reference (0.4, 0.35, 0.25) x member in reference numbering (0.05, 0.9, 0.05).
    expect(confidence[3]).toBeCloseTo((0.35 * 0.9) / (0.4 * 0.05 + 0.35 * 0.9 + 0.25 * 0.05), 5);
  });

  it('refuses scores of the wrong size', () => {
    const e = buildHeadEnsemble([head0, head1], [0, 1], 0, 3, 2);
    expect(() => ensembleAnswer([head0, head1.subarray(0, 4)], e, 3, 2)).toThrow(/head 1 has 4 scores/);
  });
});
