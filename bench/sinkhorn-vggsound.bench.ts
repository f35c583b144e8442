/**
 * Sinkhorn at VGG-Sound's size: N = 170,752 clips x K = 309 classes, λ = 20, on random but
 * clustered logits. Prints one JSON line. Both memory modes are timed in the same run: the
 * default (separate float32 kernel) and in-place (log kernel, exps on the fly).
 */
import { sinkhorn } from '../src/sinkhorn/sinkhorn.js';
import { createRng } from '../src/util/rng.js';

const n = 170_752;
const k = 309;
const rng = createRng(0);
const logits = new Float32Array(n * k);
for (let i = 0; i < n; i++) {
  // Clustered: each clip's true class gets +3, with uneven class sizes (as VGG-Sound's are not uniform).
  const t = Math.min(k - 1, Math.floor(k * Math.pow(rng.next(), 1.3)));
  for (let j = 0; j < k; j++) logits[i * k + j] = rng.normal() + (j === t ? 3 : 0);
}

function timed(inPlace: boolean) {
  const input = inPlace ? logits.slice() : logits;
  const t0 = performance.now();
  const r = sinkhorn(input, n, k, { lambda: 20, tol: 1e-3, maxIters: 1000, inPlace });
  const seconds = (performance.now() - t0) / 1000;
  return { r, seconds };
}

const { r, seconds } = timed(false);
const inPlace = timed(true);
const bytesPerPass = n * k * 4;
let maxDev = 0;
for (const c of r.counts) maxDev = Math.max(maxDev, Math.abs(c - n / k) / (n / k));
console.log(
  JSON.stringify({
    bench: 'sinkhorn-vggsound',
    n,
    k,
    lambda: 20,
    iterations: r.iterations,
    error: Number(r.error.toExponential(3)),
    converged: r.converged,
    seconds: Number(seconds.toFixed(3)),
    gb_per_s: Number(((bytesPerPass * r.iterations) / seconds / 1e9).toFixed(2)),
    max_cluster_size_dev_rel: Number(maxDev.toFixed(4)),
    in_place_seconds: Number(inPlace.seconds.toFixed(3)),
    in_place_iterations: inPlace.r.iterations,
    in_place_slowdown: Number((inPlace.seconds / seconds).toFixed(2)),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
