import { describe, expect, it } from 'vitest';
import { contingencyTable, denseTable, isSamePartition } from '../../src/eval/contingency.js';

describe('contingencyTable', () => {
  it('counts (class, cluster) pairs with classes and clusters in ascending label order', () => {
    //          truth: 5  5  -1  5  -1 ; pred: 2 0 0 2 2
    // rows [-1, 5], cols [0, 2]: (-1,0)=1 (-1,2)=1 (5,0)=1 (5,2)=2
    const t = contingencyTable([5, 5, -1, 5, -1], [2, 0, 0, 2, 2]);
    expect(t.n).toBe(5);
    expect(t.classes).toEqual([-1, 5]);
    expect(t.clusters).toEqual([0, 2]);
    expect(Array.from(denseTable(t))).toEqual([1, 1, 1, 2]);
    expect(Array.from(t.rowSums)).toEqual([2, 3]);
    expect(Array.from(t.colSums)).toEqual([2, 3]);
    expect(t.cellCount.length).toBe(4);
  });

  it('keeps only nonzero cells, in row-major order', () => {
    const t = contingencyTable(new Int32Array([1, 0, 1, 0]), new Int32Array([9, 3, 9, 3]));
    expect(Array.from(t.cellRow)).toEqual([0, 1]);
    expect(Array.from(t.cellCol)).toEqual([0, 1]);
    expect(Array.from(t.cellCount)).toEqual([2, 2]);
  });

  it('recognises the same partition up to renaming, and nothing else', () => {
    expect(isSamePartition(contingencyTable([0, 0, 1, 2], [7, 7, 3, 1]))).toBe(true);
    expect(isSamePartition(contingencyTable([0, 1, 2, 3], [3, 2, 1, 0]))).toBe(true);
    expect(isSamePartition(contingencyTable([], []))).toBe(true);
    expect(isSamePartition(contingencyTable([0, 0, 1, 1], [0, 0, 0, 1]))).toBe(false);
    expect(isSamePartition(contingencyTable([0, 0, 0, 0], [0, 1, 2, 3]))).toBe(false);
  });

  it('throws when the two labelings have different lengths', () => {
    expect(() => contingencyTable([0, 1], [0])).toThrow(/truth has 2 labels but pred has 1/);
  });

  it('throws when a label is not a finite number', () => {
    expect(() => contingencyTable([0, Number.NaN], [0, 1])).toThrow(/truth\[1\] is NaN/);
  });
});
