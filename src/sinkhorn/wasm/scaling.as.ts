// AssemblyScript (a TypeScript dialect compiled to WebAssembly by `make wasm`; not part of the tsc
// build). The hot loops of the Sinkhorn solve over a block of rows [row0, row1) of an N x K
// row-major problem held in shared memory, so that several threads can each take a block.
// Pointers are byte offsets into the imported memory. Sums and scalings are float64; the kernel
// is float32 (half the memory traffic), promoted two entries at a time with SIMD.

/** Row max and log-sum-exp of λS (f_i = −lse_i), and this block's online column log-sum-exp of λS_ij + f_i. */
export function rowPotentials(scores: usize, k: i32, row0: i32, row1: i32, lambda: f64, f: usize, colMax: usize, colSum: usize): void {
  for (let i = row0; i < row1; i++) {
    const row = scores + ((<usize>i * <usize>k) << 2);
    let m = -Infinity;
    for (let j = 0; j < k; j++) {
      const x = lambda * <f64>load<f32>(row + (<usize>j << 2));
      if (x > m) m = x;
    }
    let s: f64 = 0;
    for (let j = 0; j < k; j++) s += Math.exp(lambda * <f64>load<f32>(row + (<usize>j << 2)) - m);
    const fi = -(m + Math.log(s));
    store<f64>(f + (<usize>i << 3), fi);
    for (let j = 0; j < k; j++) {
      const x = lambda * <f64>load<f32>(row + (<usize>j << 2)) + fi;
      const pm = colMax + (<usize>j << 3);
      const ps = colSum + (<usize>j << 3);
      const cm = load<f64>(pm);
      if (x > cm) {
        store<f64>(ps, load<f64>(ps) * Math.exp(cm - x) + 1);
        store<f64>(pm, x);
      } else {
        store<f64>(ps, load<f64>(ps) + Math.exp(x - cm));
      }
    }
  }
}

/**
 * K_ij = exp(λS_ij + f_i + g_j) into `kernel`; a row whose best exponent is below `minExponent`
 * has f_i raised to bring it to 0 (the float32 entries would all underflow otherwise).
 */
export function writeKernel(scores: usize, kernel: usize, k: i32, row0: i32, row1: i32, lambda: f64, f: usize, g: usize, minExponent: f64): void {
  for (let i = row0; i < row1; i++) {
    const off = (<usize>i * <usize>k) << 2;
    const row = scores + off;
    const out = kernel + off;
    let fi = load<f64>(f + (<usize>i << 3));
    let m = -Infinity;
    for (let j = 0; j < k; j++) {
      const x = lambda * <f64>load<f32>(row + (<usize>j << 2)) + fi + load<f64>(g + (<usize>j << 3));
      if (x > m) m = x;
    }
    if (m < minExponent) {
      fi -= m;
      store<f64>(f + (<usize>i << 3), fi);
    }
    for (let j = 0; j < k; j++) {
      const x = lambda * <f64>load<f32>(row + (<usize>j << 2)) + fi + load<f64>(g + (<usize>j << 3));
      store<f32>(out + (<usize>j << 2), <f32>Math.exp(x));
    }
  }
}

/**
 * One scaling pass: u_i = r / Σ_j K_ij v_j, then col_j += K_ij u_i (this block's column sums,
 * which the caller zeroes and adds up). Returns Σ_i |u_i(before) / u_i − 1|, the change that
 * SeLa's stopping rule measures.
 */
export function scalingPass(kernel: usize, k: i32, row0: i32, row1: i32, r: f64, v: usize, u: usize, col: usize): f64 {
  let change: f64 = 0;
  const k4 = k & ~3;
  const k2 = k & ~1;
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
    const ui = r / d;
    const pu = u + (<usize>i << 3);
    change += Math.abs(load<f64>(pu) / ui - 1);
    store<f64>(pu, ui);
    const us = f64x2.splat(ui);
    j = 0;
    for (; j < k2; j += 2) {
      const c = col + (<usize>j << 3);
      v128.store(c, f64x2.add(v128.load(c), f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>j << 2))), us)));
    }
    for (; j < k; j++) {
      const c = col + (<usize>j << 3);
      store<f64>(c, load<f64>(c) + <f64>load<f32>(row + (<usize>j << 2)) * ui);
    }
  }
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
