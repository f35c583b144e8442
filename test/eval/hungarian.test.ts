import { describe, expect, it } from 'vitest';
import { hungarian } from '../../src/eval/hungarian.js';
import { rng } from './random.js';

/** Best total over every injective matching of the smaller side into the larger one. */
function bruteForce(m: number[][], maximize: boolean): number {
  const rows = m.length;
  const cols = m[0].length;
  const small = Math.min(rows, cols);
  const big = Math.max(rows, cols);
  const at = (s: number, b: number): number => (rows <= cols ? m[s][b] : m[b][s]);
  let best = maximize ? -Infinity : Infinity;
  const used = new Array<boolean>(big).fill(false);
  const walk = (s: number, sum: number): void => {
    if (s === small) {
      best = maximize ? Math.max(best, sum) : Math.min(best, sum);
      return;
    }
    for (let b = 0; b < big; b++) {
      if (used[b]) continue;
      used[b] = true;
      walk(s + 1, sum + at(s, b));
      used[b] = false;
    }
  };
  walk(0, 0);
  return best;
}

function randomMatrix(rows: number, cols: number, next: () => number, integers: boolean): number[][] {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => (integers ? Math.floor(next() * 5) : (next() - 0.3) * 100)),
  );
}

/** The assignment is a matching of min(rows, cols) pairs and `total` is the sum of its entries. */
function expectValid(m: number[][], a: ReturnType<typeof hungarian>): void {
  const rows = m.length;
  const cols = m[0]?.length ?? 0;
  let pairs = 0;
  let sum = 0;
  a.rowToCol.forEach((j, i) => {
    if (j < 0) return;
    pairs += 1;
    sum += m[i][j];
    expect(a.colToRow[j]).toBe(i);
  });
  expect(pairs).toBe(Math.min(rows, cols));
  expect(new Set(Array.from(a.rowToCol).filter((j) => j >= 0)).size).toBe(pairs);
  expect(a.total).toBeCloseTo(sum, 9);
}

describe('hungarian', () => {
  it('finds the cheapest matching of the documented example', () => {
    // Options: r0->c1 + r1->c0 = 1 + 2 = 3 (best), r0->c0 + r1->c1 = 4, r0->c1 + r1->c2 = 6, ...
    const a = hungarian([[4, 1, 6], [2, 0, 5]]);
    expect(Array.from(a.rowToCol)).toEqual([1, 0]);
    expect(Array.from(a.colToRow)).toEqual([1, 0, -1]);
    expect(a.total).toBe(3);
  });

  it('equals brute force over all matchings on random rectangular matrices, min and max, with ties', () => {
    const next = rng(1);
    for (let trial = 0; trial < 400; trial++) {
      const rows = 1 + Math.floor(next() * 6);
      const cols = 1 + Math.floor(next() * 6);
      const m = randomMatrix(rows, cols, next, trial % 2 === 0); // even trials: small integers, many ties
      for (const maximize of [false, true]) {
        const a = hungarian(m, { maximize });
        expectValid(m, a);
        expect(a.total).toBeCloseTo(bruteForce(m, maximize), 9);
      }
    }
  });

  it('leaves the extra rows unmatched when there are more rows than columns', () => {
    const a = hungarian([[5], [1], [3]]);
    expect(Array.from(a.rowToCol)).toEqual([-1, 0, -1]);
    expect(a.total).toBe(1);
  });

  it('recovers a hidden permutation of zeros in a 150 x 200 matrix of ones', () => {
    const next = rng(2);
    const cols = Array.from({ length: 200 }, (_, j) => j).sort(() => next() - 0.5);
    const m = Array.from({ length: 150 }, (_, i) => Array.from({ length: 200 }, (_, j) => (j === cols[i] ? 0 : 1)));
    const a = hungarian(m);
    expect(a.total).toBe(0);
    expect(Array.from(a.rowToCol)).toEqual(cols.slice(0, 150));
  });

  it('returns an empty assignment for an empty matrix', () => {
    expect(hungarian([]).total).toBe(0);
    expect(hungarian([[], []]).rowToCol).toEqual(new Int32Array([-1, -1]));
  });

  it('throws when the rows have different lengths', () => {
    expect(() => hungarian([[1, 2], [3]])).toThrow(/row 1 has 1 entries/);
  });

  it('throws when an entry is not finite', () => {
    expect(() => hungarian([[1, Number.NaN]])).toThrow(/must be finite/);
    expect(() => hungarian([[Infinity]])).toThrow(/must be finite/);
  });
});
