/** The `selavi sinkhorn` job: read scores from .npy, solve, write labels. File I/O lives here, not in the maths. */
import { ConfigError } from '../errors.js';
import { readNpyMatrix, writeNpy } from '../data/npy.js';
import { createRng } from '../util/rng.js';
import { resolvePrior, type PriorKind } from './prior.js';
import { sinkhorn, solveInPlaceByDefault, type SinkhornStop } from './sinkhorn.js';
import { ThreadedSolver, fitsThreaded } from './sinkhorn-threads.js';
import { nativeSinkhorn } from './row-block-threads.js';

export interface SinkhornJob {
  logits: string;
  out: string;
  lambda: number;
  tol: number;
  stop?: SinkhornStop;
  maxIters: number;
  prior: PriorKind;
  sd: number;
  seed: number;
}

/** What the command prints: one JSON line. */
export interface SinkhornSummary {
  n: number;
  k: number;
  iters: number;
  err: number;
  converged: boolean;
  /** Reading the .npy, s. */
  read_seconds: number;
  /** Solving (set-up, iterations, labels), s. */
  seconds: number;
  /** Of which the scaling iterations, s (when the solver reports it). */
  iterate_seconds?: number;
  /** Of `iters`, those on the sparse kernel, and the fraction of entries it kept (WebAssembly engine). */
  sparse_iters?: number;
  sparse_density?: number;
  /** The over-relaxation the iterations ended with (1: plain Sinkhorn). */
  omega?: number;
  /** How often stalled or out-of-range iterations rebuilt the kernel from the scores (absent: never). */
  absorptions?: number;
  /** What ran the iterations: `native` (C++ kernels), `wasm` (WebAssembly threads) or `js`. */
  kernels?: string;
  /** Peak resident memory of the process, MB. */
  peak_rss_mb: number;
}

export function runSinkhornCommand(job: SinkhornJob): SinkhornSummary {
  if (!job.out.endsWith('.npy')) throw new ConfigError(`--out must name a .npy file, got ${job.out}`);
  const tRead = performance.now();
  // A uniform prior needs nothing from the scores before the solve: read them straight into the
  // WebAssembly threads' memory (one copy of the matrix in the process, not two or three).
  let solver: ThreadedSolver | undefined;
  const into =
    job.prior === 'uniform'
      ? (rows: number, cols: number) => {
          // The native kernels' memory has no 4 GiB limit and holds the kernel in the scores' place
          // (a second N x K array only if the iterations must be stabilised): big inputs go there
          // too, on both cores (up to 8), instead of to the one-core in-place JavaScript solver.
          const native = nativeSinkhorn() !== undefined;
          if ((!native && solveInPlaceByDefault(rows, cols)) || !fitsThreaded(rows, cols) || rows * cols < 65_536) return undefined;
          try {
            solver = new ThreadedSolver(rows, cols);
          } catch (err) {
            if (err instanceof RangeError) return undefined; // no shared memory to be had: read as usual
            throw err;
          }
          return solver.scores;
        }
      : undefined;
  let t0 = 0;
  let result;
  let rows = 0;
  let cols = 0;
  try {
    const read = readNpyMatrix(job.logits, into);
    const data = read.data;
    rows = read.rows;
    cols = read.cols;
    t0 = performance.now();
    const prior = resolvePrior(job.prior, data, rows, cols, job.sd, createRng(job.seed));
    // Big inputs are solved in place (one N x K array in memory, exps on the fly); smaller ones keep a
    // separate float32 kernel, which makes each iteration a plain multiply-add pass.
    const inPlace = solveInPlaceByDefault(rows, cols);
    const prepared = solver ? { solver, reload: (into?: Float32Array) => readNpyMatrix(job.logits, into ? () => into : undefined).data } : undefined;
    result = sinkhorn(data, rows, cols, { lambda: job.lambda, tol: job.tol, stop: job.stop, maxIters: job.maxIters, prior, inPlace, prepared });
  } finally {
    solver?.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  writeNpy(job.out, result.labels);
  return {
    n: rows,
    k: cols,
    iters: result.iterations,
    err: result.error,
    converged: result.converged,
    read_seconds: Number(((t0 - tRead) / 1000).toFixed(3)),
    seconds: Number(seconds.toFixed(3)),
    iterate_seconds: result.phaseSeconds ? Number(result.phaseSeconds.iterations.toFixed(3)) : undefined,
    sparse_iters: result.sparseIterations,
    sparse_density: result.sparseDensity === undefined ? undefined : Number(result.sparseDensity.toFixed(4)),
    omega: result.omega,
    absorptions: result.absorptions,
    kernels: result.kernels ?? 'js',
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
