import { describe, expect, it } from 'vitest';
import { logGamma } from '../../src/eval/log-gamma.js';

describe('logGamma', () => {
  it('gives ln k! = Σ ln i for k up to 170 (relative error below 1e-14)', () => {
    let lnFactorial = 0;
    for (let k = 1; k <= 170; k++) {
      lnFactorial += Math.log(k);
      const got = logGamma(k + 1);
      expect(Math.abs(got - lnFactorial)).toBeLessThanOrEqual(1e-14 * Math.max(1, lnFactorial));
    }
  });

  it('is exactly 0 at 1 and 2 and ln √π at 1/2', () => {
    expect(logGamma(1)).toBe(0);
    expect(logGamma(2)).toBe(0);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });

  it('satisfies ln Γ(x+1) = ln Γ(x) + ln x at large x (n = 1e6 scale)', () => {
    for (const x of [15.5, 1e3 + 0.25, 1e6, 2e6 + 1]) {
      expect(logGamma(x + 1) - logGamma(x)).toBeCloseTo(Math.log(x), 8);
    }
  });

  it('throws when x is not a finite positive number', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(-1)).toThrow(RangeError);
    expect(() => logGamma(Number.NaN)).toThrow(RangeError);
  });
});
