/**
 * Purity: each cluster votes for its majority class.
 */
import { contingencyTable, type ContingencyTable } from './contingency.js';

/**
 * Σ_clusters max_class n_{class, cluster} / n, in (0, 1]. Unlike accuracy, several clusters may
 * vote for the same class, so it rises to 1 with all singletons. Ties do not matter (only the
 * count is used). Throws a RangeError when there are no samples.
 * @example purity([0, 0, 1, 1], [0, 0, 0, 1]) // (2 + 1) / 4 = 0.75
 */
export function purity(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  return purityOfTable(contingencyTable(truth, pred));
}

/**
 * {@link purity} from a contingency table already built (`evaluate` builds it once for all metrics).
 * @example purityOfTable(contingencyTable(truth, pred))
 */
export function purityOfTable(table: ContingencyTable): number {
  if (table.n === 0) throw new RangeError('purity needs at least one sample');
  const best = new Float64Array(table.clusters.length);
  for (let k = 0; k < table.cellCount.length; k++) {
    const j = table.cellCol[k];
    if (table.cellCount[k] > best[j]) best[j] = table.cellCount[k];
  }
  let sum = 0;
  for (const b of best) sum += b;
  return sum / table.n;
}
