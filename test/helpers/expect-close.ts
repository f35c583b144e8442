import { expect } from 'vitest';

/** Asserts |a_i − b_i| ≤ tol for every i (and equal lengths), with the worst index in the message. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6): void {
  expect(a.length, 'lengths').toBe(b.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `max |a-b| at index ${at}: ${a[at]} vs ${b[at]}`).toBeLessThanOrEqual(tol);
}
