/**
 * Mean cluster entropy: how mixed the classes are inside the clusters.
 */
import { contingencyTable, type ContingencyTable } from './contingency.js';
import { entropyOfCounts } from './entropy.js';

/**
 * Σ_j (b_j / n) · H(classes in cluster j): the entropy in nats of the class distribution inside
 * each cluster, weighted by cluster size. This is the conditional entropy H(truth | pred).
 * 0 when every cluster is pure (lower is better); at most ln(#classes), when every cluster holds
 * all classes in equal numbers. Throws a RangeError when there are no samples.
 * @example meanClusterEntropy([0, 1, 0, 0], [0, 0, 1, 1]) // (2/4)·ln 2 + (2/4)·0 ≈ 0.3466
 */
export function meanClusterEntropy(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  return meanClusterEntropyOfTable(contingencyTable(truth, pred));
}

/**
 * {@link meanClusterEntropy} from a contingency table already built (`evaluate` builds it once for all metrics).
 * @example meanClusterEntropyOfTable(contingencyTable(truth, pred))
 */
export function meanClusterEntropyOfTable(table: ContingencyTable): number {
  if (table.n === 0) throw new RangeError('cluster entropy needs at least one sample');
  // Cells are row-major, so gather each column's counts first.
  const byCluster: number[][] = Array.from({ length: table.clusters.length }, () => []);
  for (let k = 0; k < table.cellCount.length; k++) byCluster[table.cellCol[k]].push(table.cellCount[k]);
  let h = 0;
  byCluster.forEach((counts, j) => {
    h += (table.colSums[j] / table.n) * entropyOfCounts(counts);
  });
  return h;
}
