import { describe, expect, it } from 'vitest';
import { purity } from '../../src/eval/purity.js';

describe('purity', () => {
  it('sums each cluster\'s majority: [0,0,1,1] vs [0,0,0,1] is (2 + 1)/4', () => {
    expect(purity([0, 0, 1, 1], [0, 0, 0, 1])).toBe(0.75);
  });

  it('lets several clusters vote for the same class', () => {
    // Clusters {0,0}, {0,1}, {1}: majorities 2 + 1 (a tie, either class) + 1 = 4 of 5.
    expect(purity([0, 0, 0, 1, 1], [0, 0, 1, 1, 2])).toBe(0.8);
  });

  it('is 1 for all singletons and the majority share for one cluster', () => {
    expect(purity([0, 1, 1, 2], [0, 1, 2, 3])).toBe(1);
    expect(purity([0, 1, 1, 2], [4, 4, 4, 4])).toBe(0.5);
  });

  it('throws when there are no samples', () => {
    expect(() => purity([], [])).toThrow(/at least one sample/);
  });
});
