/**
 * The scaling phase of {@link sinkhorn} on WebAssembly threads: the same set-up (exact row then
 * column normalisation in the log domain), the same float32 kernel and float64 scalings, the same
 * one-pass iterations, but the passes run as SIMD code over row blocks on every core
 * (row-block-threads.ts). Returns undefined where the JavaScript solver's exact log-domain phase
 * is needed (iterations that stall or scalings out of range), so the caller solves it there.
 */
import { ConfigError } from '../errors.js';
import { RowBlockThreads, MAX_KERNEL_BYTES, REGION_ALIGN, RESERVED_BYTES, nativeSinkhorn, threadsFor } from './row-block-threads.js';
import { OmegaController, RELAX_WINDOW, relaxedScaling } from './overrelaxation.js';
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
  /** The row blocks' kernels: `native` (default where the addon is built) or `wasm`. */
  kernels?: 'native' | 'wasm';
  /**
   * The sparse phase: undefined, when the first iterations predict it pays; true, whenever few
   * entries matter (tests, benches); false, never.
   */
  sparse?: boolean;
  /**
   * The scores again (the solve turned them into the kernel), written into `into` where the
   * caller can (no second N x K array on the way): lets iterations that stall or leave
   * the float32 kernel's range go on stabilised, on these threads. Without it the solve gives up
   * there (undefined) and the caller solves in the log domain.
   */
  reload?: (into?: Float32Array) => ArrayLike<number>;
  /** Column log scalings to start from (a previous solve's {@link SinkhornResult.columnLogScaling}). */
  warmStart?: ArrayLike<number>;
  /** Over-relax the iterations (default true). */
  relax?: boolean;
}

// sinkhorn.ts's JavaScript solver: scalings outside [1/LIMIT, LIMIT] mean its float32 kernel has
// lost the entries that matter. Both solvers: iterations that improve the error by less than 1% for
// STALL_ITERS have stalled. Either hands over to the log domain (JavaScript) or absorbs (threads).
const SCALING_LIMIT = 1e100;
export const STALL_ITERS = 50;
/** SeLa's stopping rule: Σ_i |u_i(before)/u_i − 1| at most this, tested every SELA_CHECK_EVERY iterations. */
export const SELA_STOP = 0.1;
export const SELA_CHECK_EVERY = 10;
// The threads' iterations absorb the scalings into a kernel rebuilt from the scores once one leaves
// [1/ABSORB_AT, ABSORB_AT]: an entry lost below float32's range then carried less than 1e-38 · 1e30
// of its row. (On sharp, skewed scores absorbing at 1e30 rather than 1e100 took 211 iterations
// instead of 250.)
const ABSORB_AT = 1e30;
// Near-hard transports (λ·|S| ~ 1e6) keep pushing scalings past ABSORB_AT, one rebuild after another
// (385 in 20,000 iterations, still 5% off): past this many the log domain's ε-scaling takes over
// (on the same threads: Stabilised.logDomain).
const MAX_ABSORPTIONS = 20;
// The log domain's ε-scaling (both solvers): it starts on t·λ with t such that the widest
// within-row spread is this many nats, and spends at most EPS_STAGE_ITERS per stage below t = 1.
export const EPS_SCALING_RANGE = 50;
export const EPS_STAGE_ITERS = 100;

// Entries with K_ij v_j at most this times their row's largest are left out of the sparse phase.
const SPARSE_TAU = 1e-12;
// The sparse phase runs only when at most this fraction of the entries is kept.
const SPARSE_MAX_DENSITY = 0.25;
// A sparse phase whose error has not improved by 1% for this long hands over to the full kernel
// (its dropped entries mattered: on skewed problems the scalings reach far beyond the start's).
const SPARSE_STALL_ITERS = 10;
// A sparse iteration reads 8 bytes an entry kept (value, column) where a full one reads 4 an entry,
// with scattered column sums: costed as 3 full-kernel entries an entry kept.
const SPARSE_COST_PER_ENTRY = 3;
// What choosing the sparse phase costs besides its iterations, in full iterations: counting and
// copying the entries (two passes), and the full iterations that confirm the rule after it.
const SPARSE_OVERHEAD_ITERS = 6;

/**
 * Doubles between one block's per-column sums and the next's: a multiple of 128 bytes, so that no
 * two threads write one cache line. (Adjacent 80-byte sums at K = 10 made two threads 2.3x slower
 * than one: 57 ms against 25 ms a pass over a million rows.)
 */
export function blockStride(k: number): number {
  return Math.ceil((k * 8) / 128) * 16;
}
// Each block's stats (4 doubles) get a 128-byte line pair of their own, for the same reason.
const STATS_STRIDE = 16;

/** Bytes of shared memory a threaded solve of n x k takes (the sparse kernel's room included, mostly never touched). */
export function threadedBytes(n: number, k: number, threads: number): number {
  const sparse = SPARSE_MAX_DENSITY * n * k * 8 + (n + 1) * 4;
  return n * k * 4 + sparse + n * (8 + 8 + 8 + 4) + k * 8 + threads * (blockStride(k) + STATS_STRIDE) * 8 + 16 * REGION_ALIGN;
}

/** What stabilised iterations add: the scores beside the kernel, the log scalings and per-block column sums. */
function stabilisedBytes(n: number, k: number, threads: number): number {
  return n * k * 4 + n * 8 + k * 8 + 2 * threads * blockStride(k) * 8 + 5 * REGION_ALIGN;
}

/**
 * Whether an n x k problem fits the threaded solver's memory: wasm32's 4 GiB for the WebAssembly
 * kernels; for the native ones (a plain ArrayBuffer, the machine decides) up to 2^32 - 1 entries,
 * the longest Float32Array view of the scores Node 20 makes.
 */
export function fitsThreaded(n: number, k: number, native = nativeSinkhorn() !== undefined): boolean {
  return native ? n * k <= MAX_TYPED_ARRAY_LENGTH : threadedBytes(n, k, 8) + RESERVED_BYTES <= MAX_KERNEL_BYTES;
}

/** Node 20's longest typed array (elements): the scores' Float32Array view must fit in one. */
const MAX_TYPED_ARRAY_LENGTH = 2 ** 32 - 1;

/** Whether SeLa's rule stops the solve after this (1-based) iteration, whose change was `change`. */
export function selaRuleStops(iteration: number, change: number): boolean {
  return (iteration - 1) % SELA_CHECK_EVERY === 0 && change <= SELA_STOP;
}

/** One iteration's outcome. */
interface Step {
  /** SeLa's change Σ_i |u_i(before)/u_i − 1|. */
  change: number;
  /** Mean relative marginal error of the plan (new u, the v the pass read): the larger of rows' and columns'. */
  error: number;
  /** Whether every scaling stays inside `limit` and 1/`limit`. */
  inRange: (limit: number) => boolean;
}

/**
 * A solve on WebAssembly threads, in two steps so that a caller reading the scores from a file
 * can put them straight into the threads' memory ({@link ThreadedSolver.scores}) with no copy in
 * between: construct, fill `scores`, `solve` (which turns them into the kernel), `close`.
 *
 * The kernel E_ij = exp(λS_ij − max_j λS_ij) is computed in place, and the scaling iterations
 * start from the exact column normalisation of the row-normalised kernel. The iterations are
 * over-relaxed (overrelaxation.ts: the same fixed point, ω read off their own rate). When few
 * entries matter (at most a quarter have K_ij v_j above 1e-12 of their row's largest) and the
 * first iterations' rate predicts enough iterations to pay for it, the iterations continue on
 * those entries alone (a sparse kernel: the same fixed point up to what the dropped entries
 * carry), then on the full kernel until the stopping rule holds there, tested at every full
 * iteration: the answer always meets the rule on the whole problem. Iterations that stall, or
 * whose scalings leave what the float32 kernel can carry, continue stabilised: the kernel is
 * rebuilt from the scores with the scalings absorbed into it, as often as they grow again; when
 * rebuilds stop helping (near-hard transports), log-domain ε-scaling finishes on the same threads.
 */
export class ThreadedSolver {
  /** N x K float32, row-major: write the scores here before {@link solve}. */
  readonly scores: Float32Array;
  private readonly pool: RowBlockThreads;
  private readonly E: number;

  /**
   * @param kernels the row blocks' kernels: `native` where the addon is built (the default), else `wasm`.
   */
  constructor(
    readonly n: number,
    readonly k: number,
    threads?: number,
    kernels: 'native' | 'wasm' = 'native',
  ) {
    const native = kernels === 'native' ? nativeSinkhorn() : undefined;
    threads ??= threadsFor(n * k, undefined, native !== undefined);
    const bytes = threadedBytes(n, k, threads);
    this.pool = new RowBlockThreads(bytes, threads, bytes + stabilisedBytes(n, k, threads), native ?? null);
    this.E = this.pool.alloc(n * k * 4); // the scores, then the kernel in their place
    this.scores = new Float32Array(this.pool.memory.buffer, this.E, n * k);
  }

  /** What runs the row blocks: `native` (C++ on OpenMP threads) or `wasm` (worker threads). */
  get kernels(): 'native' | 'wasm' {
    return this.pool.engine;
  }

  /** Stops the worker threads. */
  close(): void {
    this.pool.close();
  }

  /**
   * Solves from `scores` (overwritten with the kernel). Undefined when the exact log domain of
   * the JavaScript solver is needed (stalled or out-of-range iterations with no `reload`, or no
   * memory to stabilise them in). `original` only words the error about a non-finite score.
   */
  solve(opts: ThreadedSolve, original?: ArrayLike<number>): SinkhornResult | undefined {
    const { lambda, tol, maxIters, stop, c } = opts;
    const { n, k, pool, E } = this;
    const threads = pool.threads;
    const t0 = performance.now();
    const RS = pool.alloc(n * 8);
    const RM = pool.alloc(n * 8);
    const U = pool.alloc(n * 8);
    const L = pool.alloc(n * 4);
    const V = pool.alloc(k * 8);
    const stride = blockStride(k);
    const part = pool.alloc(threads * stride * 8); // per block: column sums
    const ST = pool.alloc(threads * STATS_STRIDE * 8); // per block: the pass's stats
    const at = (t: number) => part + t * stride * 8;
    const statsAt = (t: number) => ST + t * STATS_STRIDE * 8;
    const view = <T>(Type: new (b: ArrayBufferLike, at: number, len: number) => T, at: number, len: number) => new Type(pool.memory.buffer, at, len);
    const rowSum = view(Float64Array, RS, n);
    const u = view(Float64Array, U, n);
    const v = view(Float64Array, V, k);
    const colParts = view(Float64Array, part, threads * stride);
    const stats = view(Float64Array, ST, threads * STATS_STRIDE);
    const sumParts = (j: number) => {
      let s = 0;
      for (let t = 0; t < threads; t++) s += colParts[t * stride + j];
      return s;
    };
    /**
     * The row-normalised kernel from `src` (+ column offsets at `B`, 0: none) into E, and v from
     * the exact column normalisation of it; u = 1. False when a column's every entry underflowed.
     */
    const kernelFrom = (src: number, B: number, lam = lambda): boolean => {
      colParts.fill(0);
      pool.run('rowKernel', n, (t, r0, r1) => [src, E, k, r0, r1, lam, B, RS, at(t), RM]);
      for (let i = 0; i < n; i++) if (!Number.isFinite(rowSum[i])) throw nonFiniteRow(original, i, k);
      u.fill(1);
      let lost = false;
      for (let j = 0; j < k; j++) {
        const col = sumParts(j);
        v[j] = (c[j] * n) / col;
        if (!(col > 0)) lost = true;
      }
      return !lost;
    };

    // A warm start: the kernel carries the previous solve's column scalings from the start.
    const W = opts.warmStart ? pool.alloc(k * 8) : 0;
    if (opts.warmStart) view(Float64Array, W, k).set(opts.warmStart);
    let stabilised: Stabilised | undefined;
    if (!kernelFrom(E, W)) {
      // A column whose every entry underflowed float32: only stabilised iterations can move mass there.
      stabilised = this.stabilise(opts, kernelFrom, view(Float64Array, RM, n), rowSum, v);
      if (!stabilised) return undefined;
    }
    const r = 1 / n;
    const t1 = performance.now();

    // One iteration: u_i from r / Σ_j K_ij v_j and column sums in one pass, then v_j from c_j / col_j
    // (both over-relaxed by ω).
    const iterate = (sparse: Csr | undefined, omega: number): Step => {
      colParts.fill(0);
      if (sparse) pool.run('sparseScalingPass', n, (t, r0, r1) => [sparse.start, sparse.values, sparse.cols, r0, r1, r, V, U, at(t), omega, statsAt(t)]);
      else pool.run('scalingPass', n, (t, r0, r1) => [E, k, r0, r1, r, V, U, at(t), omega, statsAt(t)]);
      let change = 0;
      let rowError = 0;
      let uMax = -Infinity;
      let uMin = Infinity;
      for (let t = 0; t < threads; t++) {
        const o = t * STATS_STRIDE;
        change += stats[o];
        rowError += stats[o + 1];
        uMax = Math.max(uMax, stats[o + 2]);
        uMin = Math.min(uMin, stats[o + 3]);
      }
      let colError = 0;
      let vMax = -Infinity;
      let vMin = Infinity;
      for (let j = 0; j < k; j++) {
        const col = sumParts(j);
        colError += Math.abs(col * v[j] - c[j]) / c[j];
        const target = c[j] / col;
        v[j] = relaxedScaling(v[j], target, omega);
        vMax = Math.max(vMax, v[j]);
        vMin = Math.min(vMin, v[j]);
      }
      const error = Math.max(rowError / n, colError / k);
      // u is only ever read relative to the next pass's d, so its range is v's mirror; both are checked.
      return { change, error, inRange: (limit) => uMax < limit && uMin > 1 / limit && vMax < limit && vMin > 1 / limit };
    };

    let iterations = 0;
    let sparseIterations = 0;
    let sparseDensity: number | undefined;
    let error = Infinity;
    let converged = false;
    let afterSparse = false; // SeLa's rule is then tested at every full iteration
    let sparseDecided = opts.sparse === false;
    let relax = new OmegaController(opts.relax);
    let stalled = stallWatch(STALL_ITERS, tol);
    let sinceAbsorb = Infinity;
    const meetsRule = (step: Step, count: number, tested: boolean) =>
      stop === 'sela' ? (tested ? step.change <= SELA_STOP : selaRuleStops(count, step.change)) : step.error <= tol;

    while (iterations < maxIters) {
      iterations++;
      sinceAbsorb++;
      const step = iterate(undefined, relax.omega);
      error = step.error;
      if (meetsRule(step, iterations, afterSparse)) {
        converged = true;
        break;
      }
      relax.observe(error);
      const inRange = Number.isFinite(error) && step.inRange(ABSORB_AT);
      if (!inRange || stalled(error)) {
        // Stalled, or scalings the float32 kernel cannot carry: absorb them into a kernel rebuilt
        // from the scores. A rebuild that did not help for a whole stall window, or at once, or too
        // many rebuilds, hand over to the log domain.
        if (stabilised && (sinceAbsorb <= 1 || (inRange && sinceAbsorb <= STALL_ITERS) || stabilised.absorptions >= MAX_ABSORPTIONS)) {
          // Rebuilds no longer help: exact log-domain iterations on the same threads.
          const log = stabilised.logDomain(v, maxIters - iterations, tol);
          iterations += log.iterations;
          error = log.error;
          converged = log.converged;
          break;
        }
        stabilised ??= this.stabilise(opts, kernelFrom, view(Float64Array, RM, n), rowSum, v);
        if (!stabilised) return undefined;
        stabilised.absorb(v);
        relax = new OmegaController(opts.relax);
        stalled = stallWatch(STALL_ITERS, tol);
        sinceAbsorb = 0;
        continue;
      }
      // Decided once over-relaxation starts (the error is down to RELAX_BELOW and the rate known), or
      // after two windows: waiting for two windows held zipf (170,752 x 309) on the full kernel for
      // 19 iterations past that point, 0.5 s of its 1.9.
      if (!sparseDecided && !stabilised && relax.rate !== undefined && (relax.omega > 1 || iterations >= 2 * RELAX_WINDOW)) {
        sparseDecided = true;
        const left = stop === 'sela' ? relax.remaining(step.change, SELA_STOP) : relax.remaining(error, tol);
        const sparse = left > SPARSE_OVERHEAD_ITERS || opts.sparse === true ? buildSparse(pool, E, V, n, k, opts.sparse === true ? 0 : left) : undefined;
        if (sparse) {
          sparseDensity = sparse.density;
          const inner = new OmegaController(opts.relax);
          inner.omega = relax.omega;
          const sparseStalled = stallWatch(SPARSE_STALL_ITERS, tol);
          const uBefore = Float64Array.from(u);
          const vBefore = Float64Array.from(v);
          while (iterations + sparseIterations < maxIters - 1) {
            sparseIterations++;
            const s = iterate(sparse, inner.omega);
            if (meetsRule(s, sparseIterations, false)) break;
            if (!Number.isFinite(s.error) || !s.inRange(ABSORB_AT)) {
              u.set(uBefore); // the dropped entries mattered: back to where the full iterations were
              v.set(vBefore);
              break;
            }
            inner.observe(s.error);
            if (sparseStalled(s.error)) break;
          }
          afterSparse = true;
          stalled = stallWatch(STALL_ITERS, tol);
        }
      }
    }
    iterations += sparseIterations;

    const t3 = performance.now();
    pool.run('argmaxLabels', n, (_t, r0, r1) => [E, k, r0, r1, V, L]);
    const labels = view(Int32Array, L, n).slice();
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    const phaseSeconds = { setup: (t1 - t0) / 1000, iterations: (t3 - t1) / 1000, labels: (performance.now() - t3) / 1000 };
    const base = stabilised?.b ?? opts.warmStart;
    const columnLogScaling = Float64Array.from(v, (x, j) => Math.log(x) + (base ? base[j] : 0));
    return { labels, counts, iterations, sparseIterations, error, converged, phaseSeconds, sparseDensity, absorptions: stabilised?.absorptions, omega: Number(relax.omega.toFixed(3)), columnLogScaling, kernels: pool.engine };
  }

  /**
   * Room for stabilised iterations: the scores again beside the kernel (from `reload`), and the
   * column log scalings b the kernel absorbs. Undefined without `reload` or memory. A new state
   * with a column the kernel lost is normalised at once (see {@link Stabilised.absorb}).
   */
  private stabilise(opts: ThreadedSolve, kernelFrom: (src: number, B: number, lam?: number) => boolean, rowMax: Float64Array, rowSum: Float64Array, v: Float64Array): Stabilised | undefined {
    const { n, k, pool } = this;
    const threads = pool.threads;
    if (!opts.reload || !pool.grow(stabilisedBytes(n, k, threads))) return undefined;
    const S = pool.alloc(n * k * 4);
    const A = pool.alloc(n * 8);
    const B = pool.alloc(k * 8);
    const stride = blockStride(k);
    const CM = pool.alloc(threads * stride * 8);
    const CS = pool.alloc(threads * stride * 8);
    const buf = pool.memory.buffer;
    const copy = new Float32Array(buf, S, n * k);
    const again = opts.reload(copy);
    if (again !== copy) copy.set(again);
    const a = new Float64Array(buf, A, n);
    const b = new Float64Array(buf, B, k);
    if (opts.warmStart) b.set(opts.warmStart);
    const colMax = new Float64Array(buf, CM, threads * stride);
    const colSum = new Float64Array(buf, CS, threads * stride);
    const { lambda, c } = opts;
    const r = 1 / n;
    /**
     * b_j = log c_j − log Σ_i exp(λS_ij + a_i), a the exact row normalisation of the kernel just made
     * (at λ = `lam`). Returns the columns' mean relative marginal error before the update.
     */
    const normaliseColumns = (lam = lambda): number => {
      for (let i = 0; i < n; i++) a[i] = Math.log(r / rowSum[i]) - rowMax[i];
      colMax.fill(-Infinity);
      colSum.fill(0);
      pool.run('columnLogSums', n, (t, r0, r1) => [S, k, r0, r1, lam, A, CM + t * stride * 8, CS + t * stride * 8]);
      let error = 0;
      for (let j = 0; j < k; j++) {
        let m = -Infinity;
        for (let t = 0; t < threads; t++) m = Math.max(m, colMax[t * stride + j]);
        let sum = 0;
        for (let t = 0; t < threads; t++) if (colSum[t * stride + j] > 0) sum += colSum[t * stride + j] * Math.exp(colMax[t * stride + j] - m);
        const lse = m + Math.log(sum);
        error += Math.abs(Math.exp(lse + b[j]) - c[j]) / c[j];
        b[j] = Math.log(c[j]) - lse;
      }
      return error / k;
    };
    const state: Stabilised = {
      b,
      absorptions: 0,
      absorb(vNow) {
        const fits = vNow.every((x) => x > 0 && Number.isFinite(x));
        if (fits) for (let j = 0; j < k; j++) b[j] += Math.log(vNow[j]);
        // The rows are normalised by the rebuild itself (u starts again from 1).
        if (!kernelFrom(S, B) || !fits) {
          normaliseColumns();
          kernelFrom(S, B);
        }
        state.absorptions++;
      },
      logDomain(vNow, maxIters, tol) {
        // Log-domain Sinkhorn on λS with duals a (rows) and b (columns): each iteration is one
        // rebuild of the row-normalised kernel from the scores (its row sums give a, exactly) and one
        // exact column normalisation (b), both over row blocks on every thread. ε-scaling as the
        // JavaScript solver's: t·λ from a within-row spread of EPS_SCALING_RANGE nats, t doubling.
        for (let j = 0; j < k; j++) if (vNow[j] > 0 && Number.isFinite(vNow[j])) b[j] += Math.log(vNow[j]);
        let spread = 0;
        for (let i = 0; i < n; i++) {
          let lo = Infinity;
          let hi = -Infinity;
          for (let j = 0, o = i * k; j < k; j++) {
            lo = Math.min(lo, copy[o + j]);
            hi = Math.max(hi, copy[o + j]);
          }
          spread = Math.max(spread, lambda * (hi - lo));
        }
        let t = spread > EPS_SCALING_RANGE ? EPS_SCALING_RANGE / spread : 1;
        for (let j = 0; j < k; j++) b[j] *= t; // duals scale with λ
        let iterations = 0;
        let error = Infinity;
        for (;;) {
          const last = t >= 1;
          const budget = last ? maxIters - iterations : Math.min(EPS_STAGE_ITERS, maxIters - iterations);
          for (let s = 0; s < budget; s++) {
            iterations++;
            kernelFrom(S, B, t * lambda);
            error = normaliseColumns(t * lambda);
            if (error <= tol) break;
          }
          if (last || iterations >= maxIters) break;
          const next = Math.min(1, 2 * t);
          for (let j = 0; j < k; j++) b[j] *= next / t;
          t = next;
        }
        // The kernel of the final b, for the labels (argmax_j of tλS_ij + b_j, with v = 1); b then
        // back on λ's scale (duals scale with λ) for the caller's columnLogScaling.
        kernelFrom(S, B, t * lambda);
        vNow.fill(1);
        for (let j = 0; j < k; j++) b[j] /= t;
        return { iterations, error, converged: t >= 1 && error <= tol };
      },
    };
    // The set-up's kernel lost a column: normalise exactly before any iteration.
    if (!v.every((x) => x > 0 && Number.isFinite(x))) {
      kernelFrom(S, B); // the set-up's kernel again, with its row sums
      normaliseColumns();
      kernelFrom(S, B);
      state.absorptions++;
    }
    return state;
  }
}

/** Stabilised iterations' state: how often the kernel was rebuilt, and the rebuild. */
interface Stabilised {
  /** Column log scalings absorbed into the kernel so far. */
  b: Float64Array;
  absorptions: number;
  /**
   * Folds v into the column log scalings b and rebuilds the row-normalised kernel from the scores
   * (u = 1, v from its exact column normalisation). Where v held a value the kernel could not
   * carry, or the rebuilt kernel lost a column, b is first set by an exact log-domain column
   * normalisation.
   */
  absorb(v: Float64Array): void;
  /**
   * Finishes the solve in the log domain (exact whatever the range) from the current v, for at most
   * `maxIters` iterations; leaves the kernel for the labels and v = 1.
   */
  logDomain(v: Float64Array, maxIters: number, tol: number): { iterations: number; error: number; converged: boolean };
}

/** Solves `scores` on threads (copied into their memory first); see {@link ThreadedSolver}. */
export function solveOnThreads(scores: Float32Array | Float64Array, n: number, k: number, opts: ThreadedSolve): SinkhornResult | undefined {
  const solver = new ThreadedSolver(n, k, opts.threads, opts.kernels);
  try {
    solver.scores.set(scores);
    return solver.solve({ reload: () => scores, ...opts }, scores);
  } finally {
    solver.close();
  }
}

/** A sparse kernel in the pool's memory (CSR: row i at start[i]..start[i+1] of values and cols). */
interface Csr {
  start: number;
  values: number;
  cols: number;
  density: number;
}

/**
 * The kernel's entries that matter (K_ij v_j above SPARSE_TAU of the row's largest) as CSR in the
 * pool's memory; undefined when too many matter, or when `left` iterations on them would not save
 * what building and confirming them cost (0: whenever few enough matter).
 */
function buildSparse(pool: RowBlockThreads, E: number, V: number, n: number, k: number, left: number): Csr | undefined {
  const START = pool.alloc((n + 1) * 4);
  const start = new Int32Array(pool.memory.buffer, START, n + 1);
  pool.run('countAbove', n, (_t, r0, r1) => [E, k, r0, r1, SPARSE_TAU, V, START + 4]); // counts land at start[1..n]
  start[0] = 0;
  for (let i = 1; i <= n; i++) start[i] += start[i - 1];
  const nnz = start[n];
  const density = nnz / (n * k);
  if (density > SPARSE_MAX_DENSITY) return undefined;
  if (left > 0 && left * (1 - SPARSE_COST_PER_ENTRY * density) <= SPARSE_OVERHEAD_ITERS) return undefined;
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
