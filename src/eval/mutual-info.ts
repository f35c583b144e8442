/**
 * Mutual information in nats between the two labelings of a contingency table.
 */
import type { ContingencyTable } from './contingency.js';

/**
 * MI = Σ_ij (n_ij/n) ln(n·n_ij / (a_i·b_j)) over the nonzero cells, clipped at 0 against rounding.
 * Zero when either side has a single label.
 * @example mutualInfoOfTable(contingencyTable([0, 0, 1, 1], [0, 0, 1, 1])) // ln 2
 */
export function mutualInfoOfTable(table: ContingencyTable): number {
  const { n, rowSums, colSums, cellRow, cellCol, cellCount } = table;
  if (rowSums.length <= 1 || colSums.length <= 1) return 0;
  const logN = Math.log(n);
  let mi = 0;
  for (let k = 0; k < cellCount.length; k++) {
    const nij = cellCount[k];
    mi += (nij / n) * (Math.log(nij) + logN - Math.log(rowSums[cellRow[k]]) - Math.log(colSums[cellCol[k]]));
  }
  return Math.max(mi, 0);
}
