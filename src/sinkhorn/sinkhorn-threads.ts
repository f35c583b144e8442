/**
 * The scaling phase of {@link sinkhorn} on WebAssembly threads: the same set-up (exact row then
 * column normalisation in the log domain), the same float32 kernel and float64 scalings, the same
 * one-pass iterations, but the passes run as SIMD code over row blocks on every core
 * (row-block-threads.ts). Returns undefined where the JavaScript solver's exact log-domain phase
 * is needed (iterations that stall or scalings out of range), so the caller solves it there.
 */
import { ConfigError } from '../errors.js';
import { RowBlockThreads, MAX_KERNEL_BYTES, RESERVED_BYTES, threadsFor } from './row-block-threads.js';
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
  /** Run the sparse phase when few entries matter. Default true. */
  sparse?: boolean;
}

// Shared with sinkhorn.ts's JavaScript solver. Scalings outside [1/LIMIT, LIMIT] mean the float32
// kernel has lost the entries that matter; iterations that improve the error by less than 1% for
// STALL_ITERS have stalled. Either hands the solve to the log domain.
const SCALING_LIMIT = 1e100;
export const STALL_ITERS = 50;
/** SeLa's stopping rule: Σ_i |u_i(before)/u_i − 1| at most this, tested every SELA_CHECK_EVERY iterations. */
export const SELA_STOP = 0.1;
export const SELA_CHECK_EVERY = 10;

// Entries with K_ij v_j at most this times their row's largest are left out of the sparse phase.
const SPARSE_TAU = 1e-12;
// The sparse phase runs only when at most this fraction of the entries is kept.
const SPARSE_MAX_DENSITY = 0.25;
// A sparse phase whose error has not improved by 1% for this long hands over to the full kernel
// (its dropped entries mattered: on skewed problems the scalings reach far beyond the start's).
const SPARSE_STALL_ITERS = 10;

/** Bytes of shared memory a threaded solve of n x k takes (the sparse kernel's room included, mostly never touched). */
export function threadedBytes(n: number, k: number, threads: number): number {
  const sparse = SPARSE_MAX_DENSITY * n * k * 8 + (n + 1) * 4;
  return n * k * 4 + sparse + n * (8 + 8 + 4) + k * 8 * (1 + threads) + 16 * 16;
}

/** Whether an n x k problem fits the threaded solver's memory (wasm32: 4 GiB). */
export function fitsThreaded(n: number, k: number): boolean {
  return threadedBytes(n, k, 8) + RESERVED_BYTES <= MAX_KERNEL_BYTES;
}

/** Whether SeLa's rule stops the solve after this (1-based) iteration, whose change was `change`. */
export function selaRuleStops(iteration: number, change: number): boolean {
  return (iteration - 1) % SELA_CHECK_EVERY === 0 && change <= SELA_STOP;
}

/**
 * A solve on WebAssembly threads, in two steps so that a caller reading the scores from a file
 * can put them straight into the threads' memory ({@link ThreadedSolver.scores}) with no copy in
 * between: construct, fill `scores`, `solve` (which turns them into the kernel), `close`.
 *
 * The kernel E_ij = exp(λS_ij − max_j λS_ij) is computed in place, and the scaling iterations
 * start from the exact column normalisation of the row-normalised kernel. When few entries
 * matter (at most a quarter have K_ij v_j above 1e-12 of their row's largest, v that starting
 * column scaling), the iterations first run on those entries alone (a sparse kernel: the same
 * fixed point up to what the dropped entries carry), then on the full kernel until the stopping
 * rule holds there, tested at every full iteration: the answer always meets the rule on the
 * whole problem.
 */
export class ThreadedSolver {
  /** N x K float32, row-major: write the scores here before {@link solve}. */
  readonly scores: Float32Array;
  private readonly pool: RowBlockThreads;
  private readonly E: number;

  constructor(
    readonly n: number,
    readonly k: number,
    threads = threadsFor(n * k),
  ) {
    this.pool = new RowBlockThreads(threadedBytes(n, k, threads), threads);
    this.E = this.pool.alloc(n * k * 4); // the scores, then the kernel in their place
    this.scores = new Float32Array(this.pool.memory.buffer, this.E, n * k);
  }

  /** Stops the worker threads. */
  close(): void {
    this.pool.close();
  }

  /**
   * Solves from `scores` (overwritten with the kernel). Undefined when the exact log domain of
   * the JavaScript solver is needed (a column whose entries all underflow, stalled iterations).
   * `original` only words the error about a non-finite score.
   */
  solve(opts: ThreadedSolve, original?: ArrayLike<number>): SinkhornResult | undefined {
    const { lambda, tol, maxIters, stop, c } = opts;
    const { n, k, pool, E } = this;
    const threads = pool.threads;
    const t0 = performance.now();
    const RS = pool.alloc(n * 8);
    const U = pool.alloc(n * 8);
    const L = pool.alloc(n * 4);
    const V = pool.alloc(k * 8);
    const part = pool.alloc(threads * k * 8); // per block: column sums
    const buf = pool.memory.buffer;
    const rowSum = new Float64Array(buf, RS, n);
    const u = new Float64Array(buf, U, n);
    const v = new Float64Array(buf, V, k);
    const colParts = new Float64Array(buf, part, threads * k);
    const sumParts = (j: number) => {
      let s = 0;
      for (let t = 0; t < threads; t++) s += colParts[t * k + j];
      return s;
    };

    // Set-up: the kernel, and v from the exact column normalisation of its row-normalised form.
    colParts.fill(0);
    pool.run('rowKernelInPlace', n, (t, r0, r1) => [E, k, r0, r1, lambda, RS, part + t * k * 8]);
    for (let i = 0; i < n; i++) if (!Number.isFinite(rowSum[i])) throw nonFiniteRow(original, i, k);
    for (let j = 0; j < k; j++) {
      const col = sumParts(j);
      if (!(col > 0)) return undefined; // a column whose every entry underflowed: the log domain's case
      v[j] = (c[j] * n) / col;
    }
    const r = 1 / n;
    const vStart = Float64Array.from(v);
    const t1 = performance.now();

    // One iteration: u_i = r / Σ_j K_ij v_j and column sums in one pass, then v_j = c_j / col_j.
    let error = Infinity;
    const iterate = (op: 'scalingPass' | 'sparseScalingPass', args: (t: number, r0: number, r1: number) => number[]): number => {
      colParts.fill(0);
      const change = pool.run(op, n, args).reduce((a, b) => a + b, 0);
      error = 0;
      for (let j = 0; j < k; j++) {
        const col = sumParts(j);
        error += Math.abs(col * v[j] - c[j]) / c[j];
        v[j] = c[j] / col;
      }
      error /= k;
      return change;
    };

    // ----- sparse phase (when few entries matter) -----
    let sparseIterations = 0;
    const sparse = opts.sparse === false ? undefined : buildSparse(pool, E, V, n, k);
    if (sparse) {
      u.fill(1);
      const stalled = stallWatch(SPARSE_STALL_ITERS, tol);
      while (sparseIterations < maxIters - 1) {
        sparseIterations++;
        const change = iterate('sparseScalingPass', (t, r0, r1) => [sparse.start, sparse.values, sparse.cols, r0, r1, r, V, U, part + t * k * 8]);
        if (stop === 'sela' ? selaRuleStops(sparseIterations, change) : error <= tol) break;
        if (!Number.isFinite(error) || outOfRange(u) || outOfRange(v)) {
          v.set(vStart); // start the full iterations afresh
          break;
        }
        if (stalled(error)) break;
      }
    }
    const t2 = performance.now();

    // ----- full iterations: until the rule holds on the whole kernel -----
    if (!sparse) u.fill(1);
    let iterations = 0;
    const stalled = stallWatch(STALL_ITERS, tol);
    let converged = false;
    while (sparseIterations + iterations < maxIters) {
      iterations++;
      const change = iterate('scalingPass', (t, r0, r1) => [E, k, r0, r1, r, V, U, part + t * k * 8]);
      // After a sparse phase the rule is tested at every full iteration (its count restarted there).
      converged = stop === 'sela' ? (sparse ? change <= SELA_STOP : selaRuleStops(iterations, change)) : error <= tol;
      if (converged) break;
      if (!Number.isFinite(error) || outOfRange(u) || outOfRange(v)) return undefined;
      if (stalled(error)) return undefined; // far from the target: the log domain's exactness is needed
    }

    const t3 = performance.now();
    pool.run('argmaxLabels', n, (_t, r0, r1) => [E, k, r0, r1, V, L]);
    const labels = new Int32Array(buf, L, n).slice();
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    const phaseSeconds = { setup: (t1 - t0) / 1000, iterations: (t3 - t1) / 1000, labels: (performance.now() - t3) / 1000 };
    return { labels, counts, iterations: sparseIterations + iterations, sparseIterations, error, converged, phaseSeconds, sparseDensity: sparse?.density };
  }
}

/** Solves `scores` on threads (copied into their memory first); see {@link ThreadedSolver}. */
export function solveOnThreads(scores: Float32Array | Float64Array, n: number, k: number, opts: ThreadedSolve): SinkhornResult | undefined {
  const solver = new ThreadedSolver(n, k, opts.threads);
  try {
    solver.scores.set(scores);
    return solver.solve(opts, scores);
  } finally {
    solver.close();
  }
}

/** The kernel's entries that matter (K_ij v_j above SPARSE_TAU of the row's largest) as CSR in the pool's memory, or undefined when too many are. */
function buildSparse(pool: RowBlockThreads, E: number, V: number, n: number, k: number) {
  const START = pool.alloc((n + 1) * 4);
  const start = new Int32Array(pool.memory.buffer, START, n + 1);
  pool.run('countAbove', n, (_t, r0, r1) => [E, k, r0, r1, SPARSE_TAU, V, START + 4]); // counts land at start[1..n]
  start[0] = 0;
  for (let i = 1; i <= n; i++) start[i] += start[i - 1];
  const nnz = start[n];
  const density = nnz / (n * k);
  if (density > SPARSE_MAX_DENSITY) return undefined;
  const values = pool.alloc(nnz * 4);
  const cols = pool.alloc(nnz * 4);
  pool.run('fillSparse', n, (_t, r0, r1) => [E, k, r0, r1, SPARSE_TAU, V, START, values, cols]);
  return { start: START, values, cols, density };
}

/**
 * Stall test of the scaling iterations: stalled when the error, still above `tol`, has not
 * improved by 1% on its best for `window` iterations. Feed it every iteration's error.
 */
export function stallWatch(window: number, tol: number): (error: number) => boolean {
  let best = Infinity;
  let bestAt = 0;
  let at = 0;
  return (error) => {
    at++;
    if (error < best * 0.99) {
      best = error;
      bestAt = at;
      return false;
    }
    return at - bestAt >= window && error > tol;
  };
}

/** Whether a scaling left the range the float32 kernel can carry. */
export function outOfRange(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    if (!(a < SCALING_LIMIT && a > 1 / SCALING_LIMIT)) return true;
  }
  return false;
}

function nonFiniteRow(scores: ArrayLike<number> | undefined, i: number, k: number): ConfigError {
  if (!scores) return new ConfigError(`sinkhorn: row ${i} has a non-finite score`);
  for (let j = 0; j < k; j++) {
    const x = scores[i * k + j];
    if (!Number.isFinite(x)) return new ConfigError(`sinkhorn: row ${i} has a non-finite score (${x})`);
  }
  return new ConfigError(`sinkhorn: row ${i} has scores too large for λ`);
}
