/**
 * Sinkhorn's stall path (issue 24): a near-hard transport (λ = 50, logits uniform in ±1e4, so
 * λ·|S| ~ 5e5) whose useful kernel entries underflow any float. The threaded solve absorbs its
 * scalings into rebuilt kernels, then finishes with log-domain ε-scaling on the same threads; the
 * JavaScript solver (engine `js`) does the same work on one core. Both in this process, same
 * scores; prints seconds, iterations, the final marginal error and how many labels agree.
 * Env: STALL_N (5,000), STALL_K (100). At 20,000 x 100 (2026-12-07, 2 cores, native kernels): 40.3 s
 * on the threads (6,346 iterations) against 204.7 s in JavaScript (5,177), the same labels.
 */
import { availableParallelism } from 'node:os';
import { sinkhorn } from '../src/sinkhorn/sinkhorn.js';
import { createRng } from '../src/util/rng.js';

const n = Number(process.env.STALL_N ?? 5_000);
const k = Number(process.env.STALL_K ?? 100);
const rng = createRng(4);
const scores = new Float32Array(n * k).map(() => (rng.next() * 2 - 1) * 1e4);
const opts = { lambda: 50, tol: 1e-3, maxIters: 20_000 };

const run = (engine: 'threads' | 'js') => {
  const t0 = performance.now();
  const r = sinkhorn(scores, n, k, { ...opts, engine, ...(engine === 'threads' ? { threads: availableParallelism() } : {}) });
  const seconds = (performance.now() - t0) / 1000;
  return { r, summary: { seconds: Number(seconds.toFixed(2)), iterations: r.iterations, error: Number(r.error.toExponential(2)), converged: r.converged, kernels: r.kernels ?? 'js', absorptions: r.absorptions, smallest_cluster: Math.min(...r.counts), largest_cluster: Math.max(...r.counts) } };
};
const threads = run('threads');
const js = run('js');
let equal = 0;
for (let i = 0; i < n; i++) if (threads.r.labels[i] === js.r.labels[i]) equal++;
console.log(
  JSON.stringify({
    bench: 'sinkhorn-stall',
    n,
    k,
    lambda: opts.lambda,
    cores: availableParallelism(),
    threads: threads.summary,
    js_one_core: js.summary,
    speedup_threads_vs_js: Number((js.summary.seconds / threads.summary.seconds).toFixed(2)),
    labels_equal: Number((equal / n).toFixed(5)),
  }),
);
process.exit(0);
