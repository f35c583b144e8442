/**
 * Sinkhorn-Knopp label assignment, as in SeLa (Asano, Rupprecht, Vedaldi, "Self-labelling via
 * simultaneous clustering and representation learning", ICLR 2020), section 3.1.
 *
 * Given scores S (N x K, log-probabilities or logits), find Q = diag(u) P^λ diag(v) whose rows sum
 * to r_i = 1/N (each item is one item) and whose columns sum to c_j (the cluster-size prior,
 * uniform 1/K by default: the equal-partition constraint that prevents collapse). Labels are
 * argmax_j Q_ij.
 *
 * Numerics (λ up to 50, logits of any scale, float32 data):
 * - P^λ ∝ exp(λ S) up to a per-row factor, so softmax normalisation is not needed.
 * - One log-domain pass first normalises rows, then columns, exactly (log-sum-exp, one exp per
 *   entry per pass): afterwards every kernel entry is in [0, 1], every column holds its mass, and a
 *   row whose entries would all underflow float32 is shifted up. The kernel then never overflows,
 *   and no column is lost to underflow, whatever the scale of S.
 * - The iterations keep the scalings u, v in float64 and accumulate every sum in float64, so they
 *   can range far beyond float32 without absorbing them back into the kernel.
 * - Each iteration is ONE streaming pass over the kernel: per row, d_i = Σ_j K_ij v_j, u_i = r_i/d_i,
 *   then colsum_j += K_ij u_i. Memory: the kernel (the input itself when `inPlace`) plus O(N + K).
 * - When those iterations stall (near-hard kernels at huge λ·|S|, where the entries that would move
 *   mass underflow float32), the solve continues in the log domain, which is exact but costs two
 *   exps per entry per iteration.
 */
import { ConfigError } from '../errors.js';
import { OmegaController, relaxedScaling } from './overrelaxation.js';
import { nativeSinkhorn } from './row-block-threads.js';
import { EPS_SCALING_RANGE, EPS_STAGE_ITERS, STALL_ITERS, fitsThreaded, outOfRange, selaRuleStops, solveOnThreads, stallWatch, type ThreadedSolver } from './sinkhorn-threads.js';

/**
 * When to stop: `marginal`, when the mean relative column error is at most `tol`; `sela`, SeLa's
 * own rule (its released code): when Σ_i |u_i(before)/u_i − 1| over an iteration is at most 0.1,
 * tested every 10th iteration.
 */
export type SinkhornStop = 'marginal' | 'sela';

/** Options of {@link sinkhorn}. */
export interface SinkhornOptions {
  /** λ, the inverse entropic regularisation: P^λ. SeLa uses 20–25. Default 20. */
  lambda?: number;
  /** Stop when the mean relative marginal error (see {@link SinkhornResult.error}) is below this. Default 1e-3. */
  tol?: number;
  /** Iteration cap. Default 1000. */
  maxIters?: number;
  /** Stopping rule (see {@link SinkhornStop}). Default `marginal`. */
  stop?: SinkhornStop;
  /**
   * Where the scaling iterations run: `auto` (WebAssembly SIMD over row blocks on every core for
   * problems of 65,536 entries or more, when not in place and without `keepPlan`), `js`, or
   * `threads` (WebAssembly whatever the size). Default `auto`.
   */
  engine?: 'auto' | 'js' | 'threads';
  /** Threads (row blocks) for the threads engine. Default: one below 4M entries (256K on the native kernels), else every core (at most 8). */
  threads?: number;
  /**
   * What runs the threads engine's row blocks: `native` (the addon's C++ kernels on OpenMP
   * threads; the default where the addon is built) or `wasm` (the WebAssembly module on worker
   * threads; the default, and the fallback, elsewhere).
   */
  kernels?: 'native' | 'wasm';
  /**
   * WebAssembly engine: when few kernel entries matter, iterate on those first (then on the full
   * kernel until the stopping rule holds there). Default true.
   */
  sparse?: boolean;
  /**
   * Scores already in a {@link ThreadedSolver}'s memory (`scores` is its `scores` view, which the
   * solve overwrites): solved there with no copy. `reload` gives them again (into its argument,
   * where given and the caller can) should the
   * JavaScript solver's exact log domain be needed.
   */
  prepared?: { solver: ThreadedSolver; reload: (into?: Float32Array) => Float32Array | Float64Array };
  /** Target cluster masses c_j (any positive scale; normalised to sum 1). Default uniform 1/K. */
  prior?: ArrayLike<number>;
  /** Overwrite `scores` with the kernel instead of allocating a second N x K array. Default false. */
  inPlace?: boolean;
  /** Also return the transport plan Q (N x K; costs the kernel array, which it reuses). Default false. */
  keepPlan?: boolean;
  /**
   * Start from these column log scalings (K; a previous solve's {@link SinkhornResult.columnLogScaling}
   * at the same λ): a problem close to the last one then takes fewer iterations. Same fixed point.
   */
  warmStart?: ArrayLike<number>;
  /** Over-relax the scaling iterations (overrelaxation.ts; the same fixed point, fewer iterations). Default true. */
  relax?: boolean;
}

/** Result of {@link sinkhorn}. */
export interface SinkhornResult {
  /** argmax_j Q_ij for each item, in 0..K-1 (ties: lowest j). */
  labels: Int32Array;
  /** Number of items labelled j, for each cluster j. */
  counts: Int32Array;
  /** Full iterations run (each updates u then v). */
  iterations: number;
  /**
   * Mean relative marginal error at the stop: mean over clusters of |Σ_i Q_ij − c_j| / c_j (rows
   * hold exactly). Per item: 0.01 means each cluster is, on average, 1% off its target number of
   * items (e.g. 1 item off for clusters of 100).
   */
  error: number;
  /** True when the stopping rule was met (`error <= tol`, or SeLa's rule) before the iteration cap. */
  converged: boolean;
  /** Q itself, rows summing to 1/N and columns to c_j, when `keepPlan` was set. */
  plan?: Float32Array;
  /** Of `iterations`, how many ran on the sparse kernel (WebAssembly engine; see sinkhorn-threads.ts). */
  sparseIterations?: number;
  /** Fraction of the kernel's entries the sparse phase kept, when it ran. */
  sparseDensity?: number;
  /** How often stabilised iterations rebuilt the kernel from the scores (WebAssembly engine; absent: never stabilised). */
  absorptions?: number;
  /**
   * Column log scalings g (K): labels_i = argmax_j (λS_ij + g_j), up to one constant. Pass it
   * as the next solve's `warmStart`.
   */
  columnLogScaling?: Float64Array;
  /** The over-relaxation ω the iterations ended with (1: plain Sinkhorn). */
  omega?: number;
  /** What ran the iterations: `js`, or the threads engine's `native` or `wasm` kernels. */
  kernels?: 'js' | 'native' | 'wasm';
  /** Where the time went, s: set-up (normalisation and kernel), iterations, labels. */
  phaseSeconds?: { setup: number; iterations: number; labels: number };
}

/**
 * Whether to solve in place by default: only when a second N x K float32 array would cost more
 * than 1 GiB. In place saves that array but exponentiates on the fly (about 5x slower per iteration).
 */
export function solveInPlaceByDefault(n: number, k: number): boolean {
  return n * k * 4 > 2 ** 30;
}

/** Checks arguments; throws a ConfigError that quotes the bad value. */
function validate(scores: ArrayLike<number>, n: number, k: number, lambda: number, tol: number, maxIters: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`sinkhorn: expected n >= 1, got ${n}`);
  if (!Number.isInteger(k) || k < 2) throw new ConfigError(`sinkhorn: expected k >= 2, got ${k}`);
  if (scores.length !== n * k) throw new ConfigError(`sinkhorn: expected ${n}x${k}=${n * k} scores, got ${scores.length}`);
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new ConfigError(`sinkhorn: expected lambda > 0, got ${lambda}`);
  if (!(tol > 0)) throw new ConfigError(`sinkhorn: expected tol > 0, got ${tol}`);
  if (!Number.isInteger(maxIters) || maxIters < 1) throw new ConfigError(`sinkhorn: expected maxIters >= 1, got ${maxIters}`);
}

/** Normalised target column masses c_j (sum 1). */
export function columnTargets(k: number, prior?: ArrayLike<number>): Float64Array {
  const c = new Float64Array(k);
  if (!prior) return c.fill(1 / k);
  if (prior.length !== k) throw new ConfigError(`sinkhorn: prior has ${prior.length} entries, expected k=${k}`);
  let total = 0;
  for (let j = 0; j < k; j++) {
    const p = prior[j];
    if (!(p > 0) || !Number.isFinite(p)) throw new ConfigError(`sinkhorn: prior[${j}] must be > 0, got ${p}`);
    total += p;
  }
  for (let j = 0; j < k; j++) c[j] = prior[j] / total;
  return c;
}

// Exponents below this underflow float32 (min normal ≈ 1.2e-38 ≈ e^-87.3); rows whose best entry
// falls below it are shifted up, which only rescales u_i.
const MIN_ROW_EXPONENT = -80;
// outOfRange (scalings the float32 kernel cannot carry) and stallWatch (no 1% progress for STALL_ITERS
// iterations) hand the scaling iterations over to the log domain, exact whatever the range: see
// sinkhorn-threads.ts, whose iterations use the same tests.

/**
 * Initial log potentials: f the exact row normalisation of exp(λS + w) (w a warm start's column
 * log scalings, else 0), then g = w + the exact column normalisation that follows it (column j
 * sums to c_j·N). One exp per entry per pass.
 */
function initialPotentials(scores: ArrayLike<number>, n: number, k: number, lambda: number, c: Float64Array, warm?: ArrayLike<number>) {
  const w = (j: number) => (warm ? warm[j] : 0);
  const f = new Float64Array(n);
  const colMax = new Float64Array(k).fill(-Infinity); // online log-sum-exp over rows, per column
  const colSum = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let m = -Infinity;
    for (let j = 0; j < k; j++) {
      const x = lambda * scores[o + j] + w(j);
      if (!Number.isFinite(x)) throw new ConfigError(`sinkhorn: row ${i} has a non-finite score (${scores[o + j]})`);
      if (x > m) m = x;
    }
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(lambda * scores[o + j] + w(j) - m);
    f[i] = -(m + Math.log(s));
    for (let j = 0; j < k; j++) {
      const x = lambda * scores[o + j] + w(j) + f[i];
      if (x > colMax[j]) {
        colSum[j] = colSum[j] * Math.exp(colMax[j] - x) + 1;
        colMax[j] = x;
      } else {
        colSum[j] += Math.exp(x - colMax[j]);
      }
    }
  }
  const g = new Float64Array(k);
  for (let j = 0; j < k; j++) g[j] = w(j) + Math.log(c[j] * n) - (colMax[j] + Math.log(colSum[j]));
  return { f, g };
}

/**
 * Writes the kernel K_ij = exp(λS_ij + f_i + g_j) into `out` (or its log, when `logDomain`), from
 * the original scores. A row whose best exponent is below MIN_ROW_EXPONENT gets f_i raised.
 */
function writeKernel(scores: ArrayLike<number>, out: Float32Array, n: number, k: number, lambda: number, f: Float64Array, g: Float64Array, logDomain: boolean): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let m = -Infinity;
    for (let j = 0; j < k; j++) {
      const x = lambda * scores[o + j] + f[i] + g[j];
      if (x > m) m = x;
    }
    if (m < MIN_ROW_EXPONENT) f[i] -= m;
    const fi = f[i];
    if (logDomain) for (let j = 0; j < k; j++) out[o + j] = lambda * scores[o + j] + fi + g[j];
    else for (let j = 0; j < k; j++) out[o + j] = Math.exp(lambda * scores[o + j] + fi + g[j]);
  }
}

/**
 * One Sinkhorn pass: u_i from r / Σ_j K_ij v_j (over-relaxed by ω: u^(1−ω) (r/d)^ω), then
 * col_j = Σ_i K_ij u_i (float64 sums). With `logDomain`, `kernel` holds log K and entries are
 * exponentiated on the fly (the in-place mode). Returns SeLa's change Σ_i |u_i(before)/u_i − 1|
 * and the rows' error Σ_i |u_i d_i / r − 1| against the v read.
 */
function rowPass(kernel: Float32Array, n: number, k: number, r: number, u: Float64Array, v: Float64Array, col: Float64Array, logDomain: boolean, omega: number) {
  col.fill(0);
  let change = 0;
  let rowError = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let d = 0;
    if (logDomain) for (let j = 0; j < k; j++) d += Math.exp(kernel[o + j]) * v[j];
    else for (let j = 0; j < k; j++) d += kernel[o + j] * v[j];
    const ui = relaxedScaling(u[i], r / d, omega);
    if (logDomain) for (let j = 0; j < k; j++) col[j] += Math.exp(kernel[o + j]) * ui;
    else for (let j = 0; j < k; j++) col[j] += kernel[o + j] * ui;
    change += Math.abs(u[i] / ui - 1);
    rowError += Math.abs((ui * d) / r - 1);
    u[i] = ui;
  }
  return { change, rowError };
}

/**
 * Solves the SeLa label assignment by Sinkhorn-Knopp.
 * @param scores N x K row-major log-probabilities or logits (float32 or float64).
 * @example
 * const { labels, counts } = sinkhorn(logits, n, k, { lambda: 20 });
 */
export function sinkhorn(scores: Float32Array | Float64Array, n: number, k: number, opts: SinkhornOptions = {}): SinkhornResult {
  const { lambda = 20, tol = 1e-3, maxIters = 1000, prior, inPlace = false, keepPlan = false, stop = 'marginal', engine = 'auto', threads, kernels, prepared, sparse, warmStart, relax = true } = opts;
  if (warmStart && (warmStart.length !== k || !Array.from(warmStart).every(Number.isFinite))) throw new ConfigError(`sinkhorn: warmStart needs ${k} finite column log scalings`);
  validate(scores, n, k, lambda, tol, maxIters);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new ConfigError(`sinkhorn: expected threads >= 1 (an integer), got ${threads}`);
  const c = columnTargets(k, prior);
  if (prepared) {
    if (prepared.solver.scores !== scores) throw new ConfigError('sinkhorn: `prepared` needs the solver\'s own scores view');
    const fast = prepared.solver.solve({ lambda, tol, maxIters, stop, c, sparse, reload: prepared.reload, warmStart, relax });
    if (fast) return fast;
    prepared.solver.close();
    if (solveInPlaceByDefault(n, k)) {
      // Big: the scores again into the solver's own N x K memory and solved in place there, not a
      // second (or third) N x K array beside the one the solver still holds.
      const into = prepared.solver.scores;
      const again = prepared.reload(into);
      if (again !== into) into.set(again);
      return sinkhorn(into, n, k, { ...opts, prepared: undefined, engine: 'js', inPlace: true });
    }
    return sinkhorn(prepared.reload(), n, k, { ...opts, prepared: undefined, engine: 'js' });
  }
  const threadable = !inPlace && !keepPlan && fitsThreaded(n, k, kernels !== 'wasm' && nativeSinkhorn() !== undefined);
  if (engine === 'threads' || (engine === 'auto' && threadable && n * k >= 65_536)) {
    if (!threadable) throw new ConfigError('sinkhorn: the threads engine solves neither in place nor with keepPlan, and at most 4 GiB of kernel on the WebAssembly kernels (2^32 entries on the native ones)');
    let fast: SinkhornResult | undefined;
    try {
      fast = solveOnThreads(scores, n, k, { lambda, tol, maxIters, stop, c, threads, kernels, sparse, warmStart, relax });
    } catch (err) {
      // No shared memory to be had (the machine's, or wasm32's 4 GiB): the JavaScript solver needs less.
      if (!(err instanceof RangeError) || engine === 'threads') throw err;
    }
    if (fast) return fast;
    // else: stalled with no room to stabilise on the threads (no copy of the scores to rebuild
    // from, or no memory): the JavaScript solver below, which hands over to the log domain itself
  }
  const r = 1 / n;
  // In place, the scores array becomes log K (lossless to rebuild from, so absorption stays exact
  // with no second N x K array); otherwise a separate float32 kernel keeps the scores for rebuilds.
  const inPlaceLog = inPlace && scores instanceof Float32Array;
  const kernel = inPlaceLog ? (scores as Float32Array) : new Float32Array(n * k);
  const { f, g } = initialPotentials(scores, n, k, lambda, c, warmStart);
  writeKernel(scores, kernel, n, k, lambda, f, g, inPlaceLog);

  // ===== phase 1: scaling iterations, Q = diag(u) K diag(v) =====
  const u = new Float64Array(n).fill(1);
  const v = new Float64Array(k).fill(1);
  const col = new Float64Array(k);
  let error = Infinity;
  let iterations = 0;
  const stalledAt = stallWatch(STALL_ITERS, tol);
  const omegas = new OmegaController(relax);
  let stalled = false;
  let stopped = false; // the stopping rule was met
  while (iterations < maxIters) {
    iterations++;
    const omega = omegas.omega;
    const { change, rowError } = rowPass(kernel, n, k, r, u, v, col, inPlaceLog, omega); // rows to 1/N, column sums with the new u
    let colError = 0;
    for (let j = 0; j < k; j++) {
      colError += Math.abs(col[j] * v[j] - c[j]) / c[j];
      const target = c[j] / col[j]; // columns to c_j
      v[j] = relaxedScaling(v[j], target, omega);
    }
    error = Math.max(rowError / n, colError / k);
    stopped = stop === 'sela' ? selaRuleStops(iterations, change) : error <= tol;
    omegas.observe(error);
    if (stopped) break;
    if (!Number.isFinite(error) || outOfRange(u) || outOfRange(v)) {
      // A row or column whose float32 entries all underflowed: only the log domain can move mass there.
      stalled = true;
      break;
    }
    if (stalledAt(error)) {
      stalled = true; // e.g. near-hard kernels whose useful entries underflowed float32
      break;
    }
  }

  // ===== phase 2 (rare): log-domain iterations on L = log K, duals a, b =====
  let logDuals: { a: Float64Array; b: Float64Array } | undefined;
  let reachedLambda = true; // false when ε-scaling stopped at a smaller λ: then not converged
  let logScale = 1; // the t of the last ε-scaling stage: the duals belong to t·L
  if (stalled && error > tol && iterations < maxIters) {
    if (!inPlaceLog) writeKernel(scores, kernel, n, k, lambda, f, g, true);
    const finite = Number.isFinite(error);
    const a = new Float64Array(n).map((_, i) => (finite && u[i] > 0 && Number.isFinite(u[i]) ? Math.log(u[i]) : 0));
    const b = new Float64Array(k).map((_, j) => (finite && v[j] > 0 && Number.isFinite(v[j]) ? Math.log(v[j]) : 0));
    // ε-scaling: solve on t·L for t rising geometrically to 1 (a smaller λ, far better conditioned),
    // warm-starting each stage with the duals of the last (log duals scale with λ, so with t).
    const range = rowRange(kernel, n, k);
    let t = range > EPS_SCALING_RANGE ? EPS_SCALING_RANGE / range : 1;
    for (let i = 0; i < n; i++) a[i] *= t; // duals scale with λ: u, v were for t = 1
    for (let j = 0; j < k; j++) b[j] *= t;
    for (;;) {
      const last = t >= 1;
      const budget = last ? maxIters - iterations : Math.min(EPS_STAGE_ITERS, maxIters - iterations);
      const res = logDomainIterations(kernel, n, k, r, c, a, b, tol, budget, t);
      iterations += res.iterations;
      error = res.error;
      if (last || iterations >= maxIters) break;
      const next = Math.min(1, t * 2);
      for (let i = 0; i < n; i++) a[i] *= next / t;
      for (let j = 0; j < k; j++) b[j] *= next / t;
      t = next;
    }
    reachedLambda = t >= 1;
    logScale = t;
    logDuals = { a, b };
  }
  const isLog = inPlaceLog || logDuals !== undefined;
  // log of column scaling: labels are argmax_j (t·log K_ij + colLog_j); the row scaling does not
  // matter. t < 1 only when the iteration cap stopped ε-scaling early: the duals are for t·L then.
  const colLog = logDuals ? logDuals.b : Float64Array.from(v, Math.log);
  const t = logScale;

  // ===== labels: argmax_j Q_ij =====
  const labels = new Int32Array(n);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let arg = 0;
    let top = -Infinity;
    for (let j = 0; j < k; j++) {
      const q = t * (isLog ? kernel[o + j] : Math.log(kernel[o + j])) + colLog[j];
      if (q > top) {
        top = q;
        arg = j;
      }
    }
    labels[i] = arg;
    counts[arg]++;
  }
  let plan: Float32Array | undefined;
  if (keepPlan) {
    plan = kernel;
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let m = -Infinity;
      for (let j = 0; j < k; j++) {
        plan[o + j] = t * (isLog ? kernel[o + j] : Math.log(kernel[o + j])) + colLog[j];
        if (plan[o + j] > m) m = plan[o + j];
      }
      let d = 0;
      for (let j = 0; j < k; j++) d += Math.exp(plan[o + j] - m);
      for (let j = 0; j < k; j++) plan[o + j] = (Math.exp(plan[o + j] - m) * r) / d;
    }
  }
  // SeLa's rule is only tested in the scaling phase; the log-domain phase stops on the marginals.
  const converged = logDuals ? reachedLambda && error <= tol : stop === 'sela' ? stopped : error <= tol;
  // In λS terms: t·(λS + f + g) + colLog, over t.
  const columnLogScaling = Float64Array.from(g, (gj, j) => gj + colLog[j] / t);
  return { labels, counts, iterations, error, converged, plan, columnLogScaling, omega: Number(omegas.omega.toFixed(3)) };
}

/** Largest within-row spread max_j L_ij − min_j L_ij. */
function rowRange(L: Float32Array, n: number, k: number): number {
  let range = 0;
  for (let i = 0; i < n; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < k; j++) {
      const x = L[i * k + j];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (hi - lo > range) range = hi - lo;
  }
  return range;
}

/**
 * Log-domain Sinkhorn on L (N x K, log kernel): a_i = log r − lse_j(L_ij + b_j), then
 * b_j = log c_j − lse_i(L_ij + a_i). Two exps per entry per iteration, but exact whatever the
 * range of L. Works on t·L (a λ scaled by t, for ε-scaling). Updates a, b in place.
 */
function logDomainIterations(L: Float32Array, n: number, k: number, r: number, c: Float64Array, a: Float64Array, b: Float64Array, tol: number, maxIters: number, t = 1) {
  const logR = Math.log(r);
  const colMax = new Float64Array(k);
  const colSum = new Float64Array(k);
  let error = Infinity;
  let iterations = 0;
  while (iterations < maxIters) {
    iterations++;
    colMax.fill(-Infinity);
    colSum.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let m = -Infinity;
      for (let j = 0; j < k; j++) if (t * L[o + j] + b[j] > m) m = t * L[o + j] + b[j];
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(t * L[o + j] + b[j] - m);
      const ai = logR - (m + Math.log(s));
      a[i] = ai;
      for (let j = 0; j < k; j++) {
        const x = t * L[o + j] + ai;
        if (x > colMax[j]) {
          colSum[j] = colSum[j] * Math.exp(colMax[j] - x) + 1;
          colMax[j] = x;
        } else {
          colSum[j] += Math.exp(x - colMax[j]);
        }
      }
    }
    error = 0;
    for (let j = 0; j < k; j++) {
      const lse = colMax[j] + Math.log(colSum[j]);
      error += Math.abs(Math.exp(lse + b[j]) - c[j]) / c[j];
      b[j] = Math.log(c[j]) - lse;
    }
    error /= k;
    if (error <= tol) break;
  }
  return { iterations, error };
}
