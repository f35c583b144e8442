/**
 * The scaling phase of {@link sinkhorn} on WebAssembly threads: the same set-up (exact row then
 * column normalisation in the log domain), the same float32 kernel and float64 scalings, the same
 * one-pass iterations, but the passes run as SIMD code over row blocks on every core
 * (row-block-threads.ts). Returns undefined where the JavaScript solver's exact log-domain phase
 * is needed (iterations that stall or scalings out of range), so the caller solves it there.
 */
import { ConfigError } from '../errors.js';
import { RowBlockThreads, MAX_KERNEL_BYTES, threadsFor } from './row-block-threads.js';
import type { SinkhornResult, SinkhornStop } from './sinkhorn.js';

/** What the threaded phase needs from {@link sinkhorn}'s options, resolved. */
export interface ThreadedSolve {
  lambda: number;
  tol: number;
  maxIters: number;
  stop: SinkhornStop;
  /** Normalised column targets (sum 1). */
  c: Float64Array;
  threads?: number;
}

// Shared with sinkhorn.ts's JavaScript phase: see the comments there.
export const MIN_ROW_EXPONENT = -80;
export const SCALING_LIMIT = 1e100;
export const STALL_ITERS = 50;
/** SeLa's stopping rule: Σ_i |u_i(before)/u_i − 1| at most this, tested every SELA_CHECK_EVERY iterations. */
export const SELA_STOP = 0.1;
export const SELA_CHECK_EVERY = 10;

/** Bytes of shared memory a threaded solve of n x k takes. */
export function threadedBytes(n: number, k: number, threads: number): number {
  return 2 * n * k * 4 + n * (8 + 8 + 4) + k * 8 * (2 + 2 * threads) + 16 * 16;
}

/** Whether an n x k problem fits the threaded solver's memory (wasm32: 4 GiB). */
export function fitsThreaded(n: number, k: number): boolean {
  return threadedBytes(n, k, 8) <= MAX_KERNEL_BYTES;
}

/** Whether SeLa's rule stops the solve after this (1-based) iteration, whose change was `change`. */
export function selaRuleStops(iteration: number, change: number): boolean {
  return (iteration - 1) % SELA_CHECK_EVERY === 0 && change <= SELA_STOP;
}

export function solveOnThreads(scores: Float32Array | Float64Array, n: number, k: number, opts: ThreadedSolve): SinkhornResult | undefined {
  const { lambda, tol, maxIters, stop, c } = opts;
  const threads = opts.threads ?? threadsFor(n * k);
  const pool = new RowBlockThreads(threadedBytes(n, k, threads), threads);
  try {
    const S = pool.alloc(n * k * 4);
    const K = pool.alloc(n * k * 4);
    const F = pool.alloc(n * 8);
    const U = pool.alloc(n * 8);
    const L = pool.alloc(n * 4);
    const G = pool.alloc(k * 8);
    const V = pool.alloc(k * 8);
    const partA = pool.alloc(threads * k * 8); // per block: column max, then column sums
    const partB = pool.alloc(threads * k * 8); // per block: column sum of exps
    const t0 = performance.now();
    const buf = pool.memory.buffer;
    new Float32Array(buf, S, n * k).set(scores);
    const f = new Float64Array(buf, F, n);
    const u = new Float64Array(buf, U, n);
    const g = new Float64Array(buf, G, k);
    const v = new Float64Array(buf, V, k);
    const colA = new Float64Array(buf, partA, threads * k);
    const colB = new Float64Array(buf, partB, threads * k);

    // Set-up: f = exact row normalisation, g = the column normalisation that follows it.
    colA.fill(-Infinity);
    colB.fill(0);
    pool.run('rowPotentials', n, (t, r0, r1) => [S, k, r0, r1, lambda, F, partA + t * k * 8, partB + t * k * 8]);
    for (let i = 0; i < n; i++) if (!Number.isFinite(f[i])) throw nonFiniteRow(scores, i, k);
    for (let j = 0; j < k; j++) {
      let m = -Infinity;
      for (let t = 0; t < threads; t++) m = Math.max(m, colA[t * k + j]);
      let s = 0;
      for (let t = 0; t < threads; t++) if (colB[t * k + j] > 0) s += colB[t * k + j] * Math.exp(colA[t * k + j] - m);
      g[j] = Math.log(c[j] * n) - (m + Math.log(s));
    }
    pool.run('writeKernel', n, (_t, r0, r1) => [S, K, k, r0, r1, lambda, F, G, MIN_ROW_EXPONENT]);

    // Scaling iterations: u_i = r / Σ_j K_ij v_j and column sums in one pass, then v_j = c_j / col_j.
    const t1 = performance.now();
    u.fill(1);
    v.fill(1);
    const r = 1 / n;
    let error = Infinity;
    let iterations = 0;
    let best = Infinity;
    let bestAt = 0;
    let converged = false;
    while (iterations < maxIters) {
      iterations++;
      colA.fill(0);
      const change = pool.run('scalingPass', n, (t, r0, r1) => [K, k, r0, r1, r, V, U, partA + t * k * 8]).reduce((a, b) => a + b, 0);
      error = 0;
      for (let j = 0; j < k; j++) {
        let col = 0;
        for (let t = 0; t < threads; t++) col += colA[t * k + j];
        error += Math.abs(col * v[j] - c[j]) / c[j];
        v[j] = c[j] / col;
      }
      error /= k;
      converged = stop === 'sela' ? selaRuleStops(iterations, change) : error <= tol;
      if (converged) break;
      if (!Number.isFinite(error) || outOfRange(u) || outOfRange(v)) return undefined;
      if (error < best * 0.99) {
        best = error;
        bestAt = iterations;
      } else if (iterations - bestAt >= STALL_ITERS && error > tol) {
        return undefined; // stalled far from the target: the log domain's exactness is needed
      }
    }

    const t2 = performance.now();
    pool.run('argmaxLabels', n, (_t, r0, r1) => [K, k, r0, r1, V, L]);
    const labels = new Int32Array(buf, L, n).slice();
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    const phaseSeconds = { setup: (t1 - t0) / 1000, iterations: (t2 - t1) / 1000, labels: (performance.now() - t2) / 1000 };
    return { labels, counts, iterations, error, converged, phaseSeconds };
  } finally {
    pool.close();
  }
}

function outOfRange(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    if (!(a < SCALING_LIMIT && a > 1 / SCALING_LIMIT)) return true;
  }
  return false;
}

function nonFiniteRow(scores: ArrayLike<number>, i: number, k: number): ConfigError {
  for (let j = 0; j < k; j++) {
    const x = scores[i * k + j];
    if (!Number.isFinite(x)) return new ConfigError(`sinkhorn: row ${i} has a non-finite score (${x})`);
  }
  return new ConfigError(`sinkhorn: row ${i} has scores too large for λ`);
}
