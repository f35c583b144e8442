/**
 * Sinkhorn's memory at N = 1,000,000 x K = 1,000 (4 GB of float32 scores): one N x K array, the
 * whole solve must stay under 8 GB. With the native kernels the scores are made straight into
 * their memory (as `selavi sinkhorn` reads a .npy) and the kernel replaces them there, on every
 * core; without them, the JavaScript solver in place (one core). Iterations are capped (memory
 * does not depend on their number); seconds per iteration are reported so a full solve's time can
 * be estimated. SINKHORN_1M_ITERS changes the cap.
 */
import { nativeSinkhorn } from '../src/sinkhorn/row-block-threads.js';
import { sinkhorn } from '../src/sinkhorn/sinkhorn.js';
import { ThreadedSolver } from '../src/sinkhorn/sinkhorn-threads.js';
import { createRng } from '../src/util/rng.js';

const n = 1_000_000;
const k = 1_000;
const iters = Number(process.env.SINKHORN_1M_ITERS ?? 3);
function fill(scores: Float32Array): Float32Array {
  const rng = createRng(0);
  for (let i = 0; i < n; i++) {
    const t = rng.int(k);
    for (let j = 0; j < k; j++) scores[i * k + j] = rng.next() * 2 + (j === t ? 3 : 0);
  }
  return scores;
}
const solver = nativeSinkhorn() ? new ThreadedSolver(n, k) : undefined;
const scores = fill(solver ? solver.scores : new Float32Array(n * k));
const t0 = performance.now();
const r = solver
  ? sinkhorn(scores, n, k, { lambda: 20, maxIters: iters, prepared: { solver, reload: (into) => fill(into ?? new Float32Array(n * k)) } })
  : sinkhorn(scores, n, k, { lambda: 20, maxIters: iters, inPlace: true });
const seconds = (performance.now() - t0) / 1000;
solver?.close();
const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(
  JSON.stringify({
    bench: 'sinkhorn-1m',
    n,
    k,
    kernels: r.kernels ?? 'js',
    iterations: r.iterations,
    seconds: Number(seconds.toFixed(1)),
    setup_seconds: r.phaseSeconds ? Number(r.phaseSeconds.setup.toFixed(2)) : undefined,
    seconds_per_iteration: r.phaseSeconds ? Number((r.phaseSeconds.iterations / r.iterations).toFixed(3)) : undefined,
    seconds_per_iteration_incl_setup: Number((seconds / r.iterations).toFixed(1)),
    peak_rss_mb: peakMb,
    under_8gb: peakMb < 8192,
  }),
);
