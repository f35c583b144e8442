/**
 * The contingency table of two labelings, kept sparse: n up to 1e6 with thousands of clusters
 * would not fit densely, and every metric here only needs the nonzero cells and the margins.
 */

/** Counts of (class, cluster) pairs. Rows are truth classes, columns are predicted clusters. */
export interface ContingencyTable {
  /** Number of samples. */
  n: number;
  /** Distinct truth labels, ascending; row i is `classes[i]`. */
  classes: number[];
  /** Distinct predicted labels, ascending; column j is `clusters[j]`. */
  clusters: number[];
  /** Row sums a_i: samples of each class. */
  rowSums: Float64Array;
  /** Column sums b_j: samples in each cluster. */
  colSums: Float64Array;
  /** Nonzero cells in row-major order: row, column and count n_ij. */
  cellRow: Int32Array;
  cellCol: Int32Array;
  cellCount: Float64Array;
}

/** Maps each label to its rank among the distinct labels (ascending), like `np.unique(..., return_inverse)`. */
function encode(labels: ArrayLike<number>, name: string): { values: number[]; codes: Int32Array } {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isFinite(v)) throw new RangeError(`${name}[${i}] is ${v}: labels must be finite numbers`);
    seen.add(v);
  }
  const values = [...seen].sort((x, y) => x - y);
  const rank = new Map<number, number>();
  values.forEach((v, k) => rank.set(v, k));
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) codes[i] = rank.get(labels[i])!;
  return { values, codes };
}

/**
 * Builds the contingency table of `truth` (rows) against `pred` (columns).
 * Throws a RangeError when the lengths differ or a label is not finite.
 * @example
 * const t = contingencyTable([0, 0, 1], [5, 5, 5]);
 * // t.classes = [0, 1], t.clusters = [5], cells: (0,0)=2, (1,0)=1
 */
export function contingencyTable(truth: ArrayLike<number>, pred: ArrayLike<number>): ContingencyTable {
  if (truth.length !== pred.length) {
    throw new RangeError(`truth has ${truth.length} labels but pred has ${pred.length}`);
  }
  const t = encode(truth, 'truth');
  const p = encode(pred, 'pred');
  const r = t.values.length;
  const c = p.values.length;
  const rowSums = new Float64Array(r);
  const colSums = new Float64Array(c);
  // Key i*c + j stays below 2^53 for any table that fits in memory as labels.
  const counts = new Map<number, number>();
  for (let s = 0; s < truth.length; s++) {
    const i = t.codes[s];
    const j = p.codes[s];
    rowSums[i] += 1;
    colSums[j] += 1;
    const key = i * c + j;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const keys = Float64Array.from(counts.keys()).sort();
  const cellRow = new Int32Array(keys.length);
  const cellCol = new Int32Array(keys.length);
  const cellCount = new Float64Array(keys.length);
  keys.forEach((key, k) => {
    cellRow[k] = Math.floor(key / c);
    cellCol[k] = key - cellRow[k] * c;
    cellCount[k] = counts.get(key)!;
  });
  return { n: truth.length, classes: t.values, clusters: p.values, rowSums, colSums, cellRow, cellCol, cellCount };
}

/**
 * The table as a dense row-major matrix, `classes.length` x `clusters.length`.
 * @example denseTable(contingencyTable([0, 1], [0, 0])) // Float64Array [1, 1]
 */
export function denseTable(table: ContingencyTable): Float64Array {
  const c = table.clusters.length;
  const out = new Float64Array(table.classes.length * c);
  for (let k = 0; k < table.cellCount.length; k++) out[table.cellRow[k] * c + table.cellCol[k]] = table.cellCount[k];
  return out;
}

/**
 * True when the two labelings are the same partition up to renaming: every class sits in exactly
 * one cluster and every cluster holds exactly one class. The metrics use it to return exactly 1
 * in the limit cases (e.g. all singletons) where their formulas become 0/0.
 * @example isSamePartition(contingencyTable([0, 0, 1], [7, 7, 3])) // true
 */
export function isSamePartition(table: ContingencyTable): boolean {
  return table.cellCount.length === table.classes.length && table.cellCount.length === table.clusters.length;
}
