// AssemblyScript (a TypeScript dialect compiled to WebAssembly by `make wasm`; not part of the tsc
// build). The hot loops of the Sinkhorn solve over a block of rows [row0, row1) of an N x K
// row-major problem held in shared memory, so that several threads can each take a block.
// Pointers are byte offsets into the imported memory. Sums and scalings are float64; the kernel
// is float32 (half the memory traffic), promoted two entries at a time with SIMD.

// The smallest normal float32.
const MIN_NORMAL: f32 = 1.1754944e-38;

/**
 * The kernel E_ij = exp(λS_ij + b_j − max_j (λS_ij + b_j)) from the scores at `src` into `dst`
 * (the same memory for the first kernel, made in place; `b` 0 for no column offsets; stabilised
 * iterations rebuild it from a copy of the scores with the column scalings so far in b). Float32:
 * each row's largest entry is 1, so no row underflows; the row factor is left to the row scaling;
 * entries below the smallest normal are 0. Also this block's column sums of the row-normalised
 * kernel, col_j += E_ij / Σ_j E_ij; rowSum_i gets Σ_j E_ij, or NaN when the row holds a non-finite
 * score; rowMax_i the max it took out.
 */
export function rowKernel(src: usize, dst: usize, k: i32, row0: i32, row1: i32, lambda: f64, b: usize, rowSum: usize, col: usize, rowMax: usize): void {
  for (let i = row0; i < row1; i++) {
    const from = src + ((<usize>i * <usize>k) << 2);
    const row = dst + ((<usize>i * <usize>k) << 2);
    let m = -Infinity;
    let finite = true;
    for (let j = 0; j < k; j++) {
      const x = lambda * <f64>load<f32>(from + (<usize>j << 2)) + (b ? load<f64>(b + (<usize>j << 3)) : 0);
      if (!isFinite(x)) finite = false;
      if (x > m) m = x;
    }
    if (!finite) {
      store<f64>(rowSum + (<usize>i << 3), NaN);
      continue;
    }
    store<f64>(rowMax + (<usize>i << 3), m);
    let s: f64 = 0;
    for (let j = 0; j < k; j++) {
      const x = lambda * <f64>load<f32>(from + (<usize>j << 2)) + (b ? load<f64>(b + (<usize>j << 3)) : 0);
      let e = Mathf.exp(<f32>(x - m));
      if (e < MIN_NORMAL) e = 0; // subnormals cost ~100x in every later pass; they carry nothing
      store<f32>(row + (<usize>j << 2), e);
      s += <f64>e;
    }
    store<f64>(rowSum + (<usize>i << 3), s);
    axpyRow(row, k, 1 / s, col);
  }
}

/** col_j += row_j · a over one float32 row, float64 sums. */
// @ts-ignore: AssemblyScript decorator
@inline
function axpyRow(row: usize, k: i32, a: f64, col: usize): void {
  const as = f64x2.splat(a);
  const k2 = k & ~1;
  let j = 0;
  for (; j < k2; j += 2) {
    const c = col + (<usize>j << 3);
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>j << 2))), as)));
  }
  for (; j < k; j++) {
    const c = col + (<usize>j << 3);
    store<f64>(c, load<f64>(c) + <f64>load<f32>(row + (<usize>j << 2)) * a);
  }
}

/**
 * The new row scaling from dr = d_i / r (d_i = Σ_j K_ij v_j): 1 / dr, over-relaxed by ω
 * (u^(1−ω) (r/d)^ω, the same fixed point; ω = 1 is plain Sinkhorn).
 */
// @ts-ignore: AssemblyScript decorator
@inline
function relaxed(before: f64, dr: f64, omega: f64): f64 {
  return omega == 1 ? 1 / dr : before * Math.exp(-omega * Math.log(dr * before)); // one log, one exp
}

/**
 * Writes a block's stats (float64 x 4): SeLa's change Σ_i |u_i(before)/u_i − 1|, the row error
 * Σ_i |u_i d_i / r − 1| of the new u against the v the pass read, max_i u_i and min_i u_i.
 */
// @ts-ignore: AssemblyScript decorator
@inline
function storeStats(stats: usize, change: f64, rowError: f64, uMax: f64, uMin: f64): void {
  store<f64>(stats, change);
  store<f64>(stats, rowError, 8);
  store<f64>(stats, uMax, 16);
  store<f64>(stats, uMin, 24);
}

/**
 * One scaling pass: u_i from r / Σ_j K_ij v_j (over-relaxed by ω), then col_j += K_ij u_i (this
 * block's column sums, which the caller zeroes and adds up). Writes the block's stats (see
 * {@link storeStats}) and returns SeLa's change.
 */
export function scalingPass(kernel: usize, k: i32, row0: i32, row1: i32, r: f64, v: usize, u: usize, col: usize, omega: f64, stats: usize): f64 {
  const invR = 1 / r;
  let change: f64 = 0;
  let rowError: f64 = 0;
  let uMax: f64 = -Infinity;
  let uMin: f64 = Infinity;
  const k4 = k & ~3;
  for (let i = row0; i < row1; i++) {
    const row = kernel + ((<usize>i * <usize>k) << 2);
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    let j = 0;
    for (; j < k4; j += 4) {
      const p = row + (<usize>j << 2);
      const q = v + (<usize>j << 3);
      acc0 = f64x2.add(acc0, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p)), v128.load(q)));
      acc1 = f64x2.add(acc1, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p, 8)), v128.load(q, 16)));
    }
    const acc = f64x2.add(acc0, acc1);
    let d = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < k; j++) d += <f64>load<f32>(row + (<usize>j << 2)) * load<f64>(v + (<usize>j << 3));
    const pu = u + (<usize>i << 3);
    const before = load<f64>(pu);
    // One division a row at most (at K = 10 the per-row divisions, not the kernel, set the pace).
    const dr = d * invR;
    const ui = relaxed(before, dr, omega);
    change += Math.abs((omega == 1 ? before * dr : before / ui) - 1);
    rowError += Math.abs(ui * dr - 1);
    uMax = Math.max(uMax, ui);
    uMin = Math.min(uMin, ui);
    store<f64>(pu, ui);
    axpyRow(row, k, ui, col);
  }
  storeStats(stats, change, rowError, uMax, uMin);
  return change;
}

/**
 * This block's column log-sum-exps of λS_ij + a_i: colMax_j and colSum_j such that
 * Σ_i exp(λS_ij + a_i) = exp(colMax_j) · colSum_j, merged into what they held (the caller sets −∞
 * and 0, and merges the blocks). Two passes, as the native kernel: the maxima first, then one exp
 * an entry of a number ≤ 0, none where it is below -708 (under 1e-307, nothing a sum ≥ 1 holds;
 * near-hard transports put almost every entry there). Online, with a rescale whenever a column's
 * max rose, it took up to two exps an entry.
 */
export function columnLogSums(scores: usize, k: i32, row0: i32, row1: i32, lambda: f64, a: usize, colMax: usize, colSum: usize): void {
  for (let i = row0; i < row1; i++) {
    const ai = load<f64>(a + (<usize>i << 3));
    const src = scores + ((<usize>i * <usize>k) << 2);
    for (let j = 0; j < k; j++) {
      const x = lambda * <f64>load<f32>(src + (<usize>j << 2)) + ai;
      const pm = colMax + (<usize>j << 3);
      const m = load<f64>(pm);
      if (x > m) {
        const ps = colSum + (<usize>j << 3);
        const sum = load<f64>(ps);
        if (sum > 0) store<f64>(ps, sum * Math.exp(m - x)); // only where the caller passed a sum in
        store<f64>(pm, x);
      }
    }
  }
  for (let i = row0; i < row1; i++) {
    const ai = load<f64>(a + (<usize>i << 3));
    const src = scores + ((<usize>i * <usize>k) << 2);
    for (let j = 0; j < k; j++) {
      const d = lambda * <f64>load<f32>(src + (<usize>j << 2)) + ai - load<f64>(colMax + (<usize>j << 3));
      if (d >= -708) {
        const ps = colSum + (<usize>j << 3);
        store<f64>(ps, load<f64>(ps) + Math.exp(d));
      }
    }
  }
}

/** max_j K_ij v_j of one row. */
// @ts-ignore: AssemblyScript decorator
@inline
function rowMaxScaled(row: usize, k: i32, v: usize): f64 {
  let m: f64 = 0;
  for (let j = 0; j < k; j++) {
    const q = <f64>load<f32>(row + (<usize>j << 2)) * load<f64>(v + (<usize>j << 3));
    if (q > m) m = q;
  }
  return m;
}

/**
 * How many entries of each row matter (counts_i, int32): those with K_ij v_j above `tau` times
 * the row's largest K_ij v_j, v the column scaling the iterations start from.
 */
export function countAbove(kernel: usize, k: i32, row0: i32, row1: i32, tau: f64, v: usize, counts: usize): void {
  for (let i = row0; i < row1; i++) {
    const row = kernel + ((<usize>i * <usize>k) << 2);
    const floor = tau * rowMaxScaled(row, k, v);
    let c = 0;
    for (let j = 0; j < k; j++) if (<f64>load<f32>(row + (<usize>j << 2)) * load<f64>(v + (<usize>j << 3)) > floor) c++;
    store<i32>(counts + (<usize>i << 2), c);
  }
}

/** The entries {@link countAbove} counts, row by row (CSR: row i at start[i]..start[i+1] of values and cols). */
export function fillSparse(kernel: usize, k: i32, row0: i32, row1: i32, tau: f64, v: usize, start: usize, values: usize, cols: usize): void {
  for (let i = row0; i < row1; i++) {
    const row = kernel + ((<usize>i * <usize>k) << 2);
    const floor = tau * rowMaxScaled(row, k, v);
    let at = <usize>load<i32>(start + (<usize>i << 2));
    for (let j = 0; j < k; j++) {
      const e = load<f32>(row + (<usize>j << 2));
      if (<f64>e * load<f64>(v + (<usize>j << 3)) > floor) {
        store<f32>(values + (at << 2), e);
        store<i32>(cols + (at << 2), j);
        at++;
      }
    }
  }
}

/** {@link scalingPass} over the sparse kernel. */
export function sparseScalingPass(start: usize, values: usize, cols: usize, row0: i32, row1: i32, r: f64, v: usize, u: usize, col: usize, omega: f64, stats: usize): f64 {
  const invR = 1 / r;
  let change: f64 = 0;
  let rowError: f64 = 0;
  let uMax: f64 = -Infinity;
  let uMin: f64 = Infinity;
  for (let i = row0; i < row1; i++) {
    const a = <usize>load<i32>(start + (<usize>i << 2));
    const b = <usize>load<i32>(start + (<usize>(i + 1) << 2));
    let d: f64 = 0;
    for (let e = a; e < b; e++) d += <f64>load<f32>(values + (e << 2)) * load<f64>(v + (<usize>load<i32>(cols + (e << 2)) << 3));
    const pu = u + (<usize>i << 3);
    const before = load<f64>(pu);
    // One division a row at most (at K = 10 the per-row divisions, not the kernel, set the pace).
    const dr = d * invR;
    const ui = relaxed(before, dr, omega);
    change += Math.abs((omega == 1 ? before * dr : before / ui) - 1);
    rowError += Math.abs(ui * dr - 1);
    uMax = Math.max(uMax, ui);
    uMin = Math.min(uMin, ui);
    store<f64>(pu, ui);
    for (let e = a; e < b; e++) {
      const c = col + (<usize>load<i32>(cols + (e << 2)) << 3);
      store<f64>(c, load<f64>(c) + <f64>load<f32>(values + (e << 2)) * ui);
    }
  }
  storeStats(stats, change, rowError, uMax, uMin);
  return change;
}

/** labels_i = argmax_j K_ij v_j (ties: lowest j); the row scaling u_i does not change it. */
export function argmaxLabels(kernel: usize, k: i32, row0: i32, row1: i32, v: usize, labels: usize): void {
  for (let i = row0; i < row1; i++) {
    const row = kernel + ((<usize>i * <usize>k) << 2);
    let arg = 0;
    let top = -Infinity;
    for (let j = 0; j < k; j++) {
      const q = <f64>load<f32>(row + (<usize>j << 2)) * load<f64>(v + (<usize>j << 3));
      if (q > top) {
        top = q;
        arg = j;
      }
    }
    store<i32>(labels + (<usize>i << 2), arg);
  }
}
