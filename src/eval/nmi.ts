/**
 * Normalized mutual information with the arithmetic mean of the entropies, the default of
 * scikit-learn's `normalized_mutual_info_score`.
 */
import { contingencyTable, isSamePartition, type ContingencyTable } from './contingency.js';
import { entropyOfCounts } from './entropy.js';
import { mutualInfoOfTable } from './mutual-info.js';

/**
 * NMI = MI / ((H(truth) + H(pred)) / 2), in [0, 1], symmetric and invariant to renaming labels.
 * Limit cases as scikit-learn: 1 when both labelings have one label (or there are no samples),
 * 0 when only one of them has a single label. The same partition up to renaming gives exactly 1.
 * @example normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0]) // 1
 */
export function normalizedMutualInfo(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  return normalizedMutualInfoOfTable(contingencyTable(truth, pred));
}

/**
 * {@link normalizedMutualInfo} from a contingency table already built (`evaluate` builds it once for all metrics).
 * @example normalizedMutualInfoOfTable(contingencyTable(truth, pred))
 */
export function normalizedMutualInfoOfTable(table: ContingencyTable): number {
  if (isSamePartition(table)) return 1; // includes one label each, no samples, all singletons
  const mi = mutualInfoOfTable(table);
  if (mi === 0) return 0;
  const normalizer = (entropyOfCounts(table.rowSums) + entropyOfCounts(table.colSums)) / 2;
  return Math.min(mi / normalizer, 1);
}
