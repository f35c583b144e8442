/**
 * Linear assignment on a rectangular matrix: the Hungarian method in its shortest-augmenting-path
 * form with row and column potentials (Kuhn-Munkres as refined by Jonker & Volgenant).
 * O(r² c) for r <= c: each row is added by one Dijkstra-like scan over the columns, and the
 * potentials keep every reduced cost non-negative so no scan is ever repeated.
 */

/** The optimal matching: min(rows, cols) pairs. */
export interface Assignment {
  /** Column of each row, or -1 when the row is left out (only when rows > cols). */
  rowToCol: Int32Array;
  /** Row of each column, or -1 when the column is left out (only when cols > rows). */
  colToRow: Int32Array;
  /** Sum of the matched entries. */
  total: number;
}

export interface HungarianOptions {
  /** Maximise the total instead of minimising it. Default false. */
  maximize?: boolean;
}

/**
 * Matches every row to a distinct column (or every column to a distinct row, whichever side is
 * smaller) so that the sum of the chosen entries is minimal, or maximal with `maximize`.
 * Throws a RangeError for ragged rows or non-finite entries.
 * @example
 * hungarian([[4, 1, 6], [2, 0, 5]]) // rowToCol [1, 0], colToRow [1, 0, -1], total 1 + 2 = 3
 */
export function hungarian(matrix: readonly ArrayLike<number>[], options: HungarianOptions = {}): Assignment {
  const rows = matrix.length;
  const cols = rows === 0 ? 0 : matrix[0].length;
  const sign = options.maximize ? -1 : 1;
  for (let i = 0; i < rows; i++) {
    if (matrix[i].length !== cols) throw new RangeError(`row ${i} has ${matrix[i].length} entries, row 0 has ${cols}`);
    for (let j = 0; j < cols; j++) {
      if (!Number.isFinite(matrix[i][j])) throw new RangeError(`entry [${i}][${j}] is ${matrix[i][j]}: costs must be finite`);
    }
  }
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, total: 0 };

  // Solve with the smaller side as rows; `cost(i, j)` reads the transposed view when needed.
  const transposed = rows > cols;
  const r = transposed ? cols : rows;
  const c = transposed ? rows : cols;
  const cost = new Float64Array(r * c);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) cost[transposed ? j * c + i : i * c + j] = sign * matrix[i][j];
  }
  const match = solve(cost, r, c); // match[i] = column of row i, in the solved orientation

  let total = 0;
  for (let i = 0; i < r; i++) {
    const [row, col] = transposed ? [match[i], i] : [i, match[i]];
    rowToCol[row] = col;
    colToRow[col] = row;
    total += matrix[row][col];
  }
  return { rowToCol, colToRow, total };
}

/** Minimum-cost assignment of all r rows to distinct columns, r <= c. Returns the column of each row. */
function solve(cost: Float64Array, r: number, c: number): Int32Array {
  // Index 0 is a virtual column: owner[0] is the row being inserted. Rows and columns are 1-based.
  const u = new Float64Array(r + 1); // row potentials
  const v = new Float64Array(c + 1); // column potentials
  const owner = new Int32Array(c + 1); // row matched to column j, 0 if free
  const prev = new Int32Array(c + 1); // previous column on the shortest alternating path
  const minSlack = new Float64Array(c + 1);
  const done = new Uint8Array(c + 1);
  for (let row = 1; row <= r; row++) {
    owner[0] = row;
    minSlack.fill(Infinity);
    done.fill(0);
    let col0 = 0;
    // Grow a shortest-path tree from `row` until it reaches a free column.
    do {
      done[col0] = 1;
      const i0 = owner[col0];
      const base = (i0 - 1) * c;
      let delta = Infinity;
      let col1 = 0;
      for (let j = 1; j <= c; j++) {
        if (done[j]) continue;
        const slack = cost[base + j - 1] - u[i0] - v[j];
        if (slack < minSlack[j]) {
          minSlack[j] = slack;
          prev[j] = col0;
        }
        if (minSlack[j] < delta) {
          delta = minSlack[j];
          col1 = j;
        }
      }
      // Shift potentials so the tree's edges stay tight and the new column's edge becomes tight.
      for (let j = 0; j <= c; j++) {
        if (done[j]) {
          u[owner[j]] += delta;
          v[j] -= delta;
        } else {
          minSlack[j] -= delta;
        }
      }
      col0 = col1;
    } while (owner[col0] !== 0);
    // Flip the alternating path back to the root.
    do {
      const col1 = prev[col0];
      owner[col0] = owner[col1];
      col0 = col1;
    } while (col0 !== 0);
  }
  const match = new Int32Array(r);
  for (let j = 1; j <= c; j++) if (owner[j] !== 0) match[owner[j] - 1] = j - 1;
  return match;
}
