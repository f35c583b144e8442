/**
 * Adjusted Rand index (Hubert & Arabie 1985), as scikit-learn's `adjusted_rand_score`.
 */
import { contingencyTable, type ContingencyTable } from './contingency.js';

const choose2 = (x: bigint): bigint => (x * (x - 1n)) / 2n;

/**
 * ARI = (Σ C(n_ij,2) - E) / (½(Σ C(a_i,2) + Σ C(b_j,2)) - E), E = Σ C(a_i,2) Σ C(b_j,2) / C(n,2).
 * 1 for the same partition (including one cluster each, all singletons, no samples), about 0 for
 * random labelings, down to -0.5. Pair counts are exact integers (BigInt): at n = 1e6 their
 * products exceed 2^53, and the numerator is a difference of such products.
 * @example adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]) // 4/7 ≈ 0.5714285714
 */
export function adjustedRandIndex(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  return adjustedRandIndexOfTable(contingencyTable(truth, pred));
}

/**
 * {@link adjustedRandIndex} from a contingency table already built (`evaluate` builds it once for all metrics).
 * @example adjustedRandIndexOfTable(contingencyTable(truth, pred))
 */
export function adjustedRandIndexOfTable(table: ContingencyTable): number {
  let sumCells = 0n;
  for (const nij of table.cellCount) sumCells += choose2(BigInt(nij));
  let sumRows = 0n;
  for (const a of table.rowSums) sumRows += choose2(BigInt(a));
  let sumCols = 0n;
  for (const b of table.colSums) sumCols += choose2(BigInt(b));
  // Pairs together in both = sumCells; in truth only = sumRows - sumCells; in pred only = sumCols - sumCells.
  if (sumRows === sumCells && sumCols === sumCells) return 1; // no disagreeing pair: same partition
  const pairs = choose2(BigInt(table.n));
  // Multiply through by C(n,2) and by 2 to stay in integers.
  const numerator = 2n * (sumCells * pairs - sumRows * sumCols);
  const denominator = (sumRows + sumCols) * pairs - 2n * sumRows * sumCols;
  return Number(numerator) / Number(denominator);
}
