/**
 * Adjusted mutual information, arithmetic normalisation: scikit-learn's
 * `adjusted_mutual_info_score` with its default `average_method='arithmetic'`.
 */
import { contingencyTable, isSamePartition, type ContingencyTable } from './contingency.js';
import { entropyOfCounts } from './entropy.js';
import { expectedMutualInfo } from './expected-mutual-info.js';
import { mutualInfoOfTable } from './mutual-info.js';

/**
 * AMI = (MI - E[MI]) / ((H(truth) + H(pred)) / 2 - E[MI]): 1 for the same partition, about 0 for
 * independent labelings (it can be negative), symmetric and invariant to renaming labels.
 * Limit cases as scikit-learn: 1 when both labelings have one label, no samples, or the same
 * partition (all singletons too, where the formula is 0/0); exactly 0 when one side has one label.
 * @example adjustedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2]) // 4/7 ≈ 0.5714285714
 */
export function adjustedMutualInfo(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  return adjustedMutualInfoOfTable(contingencyTable(truth, pred));
}

/**
 * {@link adjustedMutualInfo} from a contingency table already built (`evaluate` builds it once for all metrics).
 * @example adjustedMutualInfoOfTable(contingencyTable(truth, pred))
 */
export function adjustedMutualInfoOfTable(table: ContingencyTable): number {
  if (isSamePartition(table)) return 1;
  if (table.classes.length === 1 || table.clusters.length === 1) return 0; // MI = E[MI] = 0
  const mi = mutualInfoOfTable(table);
  const emi = expectedMutualInfo(table);
  const normalizer = (entropyOfCounts(table.rowSums) + entropyOfCounts(table.colSums)) / 2;
  // Only the same partition makes normalizer = E[MI]; keep the sign if rounding gets close.
  let denominator = normalizer - emi;
  if (Math.abs(denominator) < Number.EPSILON) denominator = denominator < 0 ? -Number.EPSILON : Number.EPSILON;
  return (mi - emi) / denominator;
}
