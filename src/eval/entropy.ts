/**
 * Shannon entropy in nats of a labeling, from its counts.
 */

/**
 * Entropy -Σ (c/n) ln(c/n) of the distribution given by `counts` (zeros ignored); n is their sum.
 * A single nonzero count gives exactly 0.
 * @example entropyOfCounts([2, 2]) // ln 2 ≈ 0.6931471805599453
 */
export function entropyOfCounts(counts: ArrayLike<number>): number {
  let n = 0;
  let nonzero = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0) {
      n += counts[i];
      nonzero += 1;
    }
  }
  if (nonzero <= 1) return 0;
  const logN = Math.log(n);
  let h = 0;
  // ln(c) - ln(n) rather than ln(c/n): keeps precision for tiny fractions.
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) h -= (counts[i] / n) * (Math.log(counts[i]) - logN);
  return Math.max(h, 0);
}
