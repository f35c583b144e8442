/**
 * Clustering accuracy: the fraction of samples whose cluster, matched one-to-one to a class by
 * the Hungarian method, is their class.
 */
import { contingencyTable, type ContingencyTable } from './contingency.js';
import { hungarian } from './hungarian.js';

/**
 * max over one-to-one matchings of clusters to classes of Σ n_{class, cluster} / n.
 * With more clusters than classes the extra clusters stay unmatched and all their samples count
 * as wrong (and symmetrically for extra classes), so over-clustering is not rewarded.
 * Throws a RangeError when there are no samples.
 * @example clusterAccuracy([0, 0, 1, 1], [1, 1, 0, 2]) // 3/4: cluster 1 -> class 0, cluster 0 -> class 1, cluster 2 unmatched
 */
export function clusterAccuracy(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  return clusterAccuracyOfTable(contingencyTable(truth, pred));
}

/**
 * {@link clusterAccuracy} from a contingency table already built (`evaluate` builds it once for all metrics).
 * @example clusterAccuracyOfTable(contingencyTable(truth, pred))
 */
export function clusterAccuracyOfTable(table: ContingencyTable): number {
  if (table.n === 0) throw new RangeError('accuracy needs at least one sample');
  // Put the smaller side on the rows. Each row then only ever needs its `rows` heaviest nonzero
  // cells: an optimum using another cell can swap to one of them that no other row uses without
  // losing weight, and zero cells are no better than leaving the row unmatched. This keeps
  // heavy over-clustering (thousands of clusters, few classes) to a small matrix.
  const flip = table.classes.length > table.clusters.length;
  const rowOf = flip ? table.cellCol : table.cellRow;
  const colOf = flip ? table.cellRow : table.cellCol;
  const rows = flip ? table.clusters.length : table.classes.length;
  const perRow: { col: number; w: number }[][] = Array.from({ length: rows }, () => []);
  for (let k = 0; k < table.cellCount.length; k++) perRow[rowOf[k]].push({ col: colOf[k], w: table.cellCount[k] });
  const keep = new Map<number, number>(); // original column -> compact column
  for (const cells of perRow) {
    cells.sort((x, y) => y.w - x.w);
    for (const { col } of cells.slice(0, rows)) if (!keep.has(col)) keep.set(col, keep.size);
  }
  const matrix = Array.from({ length: rows }, () => new Float64Array(keep.size));
  for (let k = 0; k < table.cellCount.length; k++) {
    const col = keep.get(colOf[k]);
    if (col !== undefined) matrix[rowOf[k]][col] = table.cellCount[k];
  }
  return hungarian(matrix, { maximize: true }).total / table.n;
}
