/**
 * Expected mutual information of two labelings under the permutation (hypergeometric) model:
 * the cluster sizes are kept and the samples are shuffled (Vinh, Epps & Bailey, JMLR 2010).
 *
 *   E[MI] = Σ_ij Σ_k P(n_ij = k) · (k/n) ln(n·k / (a_i·b_j)),
 *   P(n_ij = k) = a! b! (n-a)! (n-b)! / (n! k! (a-k)! (b-k)! (n-a-b+k)!)   (hypergeometric)
 *
 * Two savings make n = 1e6 cheap without changing the value:
 * - the inner sum depends only on the sizes (a, b), so it is computed once per distinct pair of
 *   sizes and weighted by how many rows and columns have them (a million singletons is one pair);
 * - the hypergeometric pmf is log-concave: the walk starts at its mode, whose probability comes
 *   from log-gamma, steps outward with the exact ratio P(k+1)/P(k), and stops once a term falls
 *   below 2^-60 of the mode (every later term is smaller still, so the tail is far below one ulp).
 *   Dividing by the walked mass, which is 1 up to the log-gamma rounding (~1e-9 at n = 1e6),
 *   removes that rounding.
 */
import { assert } from '../errors.js';
import type { ContingencyTable } from './contingency.js';
import { logGamma } from './log-gamma.js';

const CUTOFF = 2 ** -60;

/** Σ_k P(k) (k/n) ln(n k / (a b)) for one class of size a and one cluster of size b. */
function expectedCellTerm(a: number, b: number, n: number): number {
  const lo = Math.max(0, a + b - n);
  const hi = Math.min(a, b);
  const mode = Math.min(hi, Math.max(lo, Math.floor(((a + 1) * (b + 1)) / (n + 2))));
  const logPMode =
    logGamma(a + 1) + logGamma(b + 1) + logGamma(n - a + 1) + logGamma(n - b + 1) -
    logGamma(n + 1) - logGamma(mode + 1) - logGamma(a - mode + 1) - logGamma(b - mode + 1) -
    logGamma(n - a - b + mode + 1);
  const pMode = Math.exp(logPMode);
  const logNab = Math.log(n) - Math.log(a) - Math.log(b);
  const term = (k: number): number => (k === 0 ? 0 : (k / n) * (Math.log(k) + logNab));
  let mass = pMode;
  let sum = pMode * term(mode);
  // Upward: P(k+1) = P(k) (a-k)(b-k) / ((k+1)(n-a-b+k+1)).
  let p = pMode;
  for (let k = mode; k < hi; k++) {
    p *= ((a - k) * (b - k)) / ((k + 1) * (n - a - b + k + 1));
    mass += p;
    sum += p * term(k + 1);
    if (p < CUTOFF * pMode) break;
  }
  // Downward: P(k-1) = P(k) k (n-a-b+k) / ((a-k+1)(b-k+1)).
  p = pMode;
  for (let k = mode; k > lo; k--) {
    p *= (k * (n - a - b + k)) / ((a - k + 1) * (b - k + 1));
    mass += p;
    sum += p * term(k - 1);
    if (p < CUTOFF * pMode) break;
  }
  assert(Math.abs(mass - 1) < 1e-6, `hypergeometric mass ${mass} for a=${a} b=${b} n=${n}`);
  return sum / mass;
}

/** Distinct values of `sizes` with their multiplicities. */
function histogram(sizes: Float64Array): Map<number, number> {
  const h = new Map<number, number>();
  for (const s of sizes) h.set(s, (h.get(s) ?? 0) + 1);
  return h;
}

/**
 * E[MI] in nats for the margins of `table`. 0 when either side has a single label.
 * Cost: Σ over distinct (class size, cluster size) pairs of a walk of ~17 standard deviations.
 * @example expectedMutualInfo(contingencyTable([0, 0, 1, 1], [0, 1, 0, 1])) // ln(2) / 3
 */
export function expectedMutualInfo(table: ContingencyTable): number {
  const { n, rowSums, colSums } = table;
  if (rowSums.length <= 1 || colSums.length <= 1) return 0;
  const rows = histogram(rowSums);
  const cols = histogram(colSums);
  let emi = 0;
  for (const [a, countA] of rows) {
    for (const [b, countB] of cols) emi += countA * countB * expectedCellTerm(a, b, n);
  }
  return emi;
}
