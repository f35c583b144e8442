import { describe, expect, it } from 'vitest';
import { headSizes } from '../../src/train/selavi.js';

describe('headSizes', () => {
  it('gives --heads heads of K, then as many over-clustering heads', () => {
    expect(headSizes({ k: 10, heads: 3, overcluster: 0 })).toEqual([10, 10, 10]);
    expect(headSizes({ k: 10, heads: 2, overcluster: 50 })).toEqual([10, 10, 50, 50]);
    expect(headSizes({ k: 4, heads: 1, overcluster: 2 })).toEqual([4, 2]); // fewer clusters than K is allowed too
  });
});
