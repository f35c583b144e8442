/**
 * Sinkhorn's memory at N = 1,000,000 x K = 1,000 (4 GB of float32 scores): solved in place, the
 * whole solve must stay under 8 GB. Iterations are capped (memory does not depend on their
 * number); seconds per iteration are reported so a full solve's time can be estimated.
 */
import { sinkhorn } from '../src/sinkhorn/sinkhorn.js';
import { createRng } from '../src/util/rng.js';

const n = 1_000_000;
const k = 1_000;
const iters = 3;
const rng = createRng(0);
const scores = new Float32Array(n * k);
for (let i = 0; i < n; i++) {
  const t = rng.int(k);
  for (let j = 0; j < k; j++) scores[i * k + j] = rng.next() * 2 + (j === t ? 3 : 0);
}
const t0 = performance.now();
const r = sinkhorn(scores, n, k, { lambda: 20, maxIters: iters, inPlace: true });
const seconds = (performance.now() - t0) / 1000;
const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(
  JSON.stringify({
    bench: 'sinkhorn-1m',
    n,
    k,
    iterations: r.iterations,
    seconds: Number(seconds.toFixed(1)),
    seconds_per_iteration_incl_setup: Number((seconds / r.iterations).toFixed(1)),
    peak_rss_mb: peakMb,
    under_8gb: peakMb < 8192,
  }),
);
