/**
 * Sinkhorn at VGG-Sound's size (issue 13, goal 3): N = 170,752 clips x K = 309 classes, λ = 20,
 * on random but clustered logits, with SeLa's stopping rule. Times `selavi sinkhorn --stop sela`
 * as a whole process (reading the .npy included) against SeLa's algorithm run in this process
 * (float64, bench/lib/sela-sinkhorn-reference.ts), and checks that their labels agree and that
 * the cluster sizes hold; and the same solve without its sparse phase (every iteration a pass over
 * the full kernel), for its memory traffic. This machine's memory bandwidth (a 256 MB copy, one thread) is measured
 * in the same run, to set the iterations' GB/s against.
 *
 * numpy's time for SeLa's code is not measured here (the project runs no Python): NUMPY_SECONDS
 * gives the figure measured on this machine by hand (README: 14.8 s on 2026-12-02, numpy 1.24,
 * reading the .npy included), the default.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, readNpyArray } from '../src/data/npy.js';
import { sinkhorn } from '../src/sinkhorn/sinkhorn.js';
import { createRng } from '../src/util/rng.js';
import { selaReferenceSinkhorn } from './lib/sela-sinkhorn-reference.js';
import { memcpyGbPerS } from './lib/memory-bandwidth.js';
import { peakRssMb } from './lib/training-step.js';

const n = 170_752;
const k = 309;
const LAMBDA = 20;
const NUMPY_SECONDS = Number(process.env.NUMPY_SECONDS ?? 14.8);

const rng = createRng(0);
const logits = new Float32Array(n * k);
for (let i = 0; i < n; i++) {
  // Clustered: each clip's true class gets +3, with uneven class sizes (as VGG-Sound's are not uniform).
  const t = Math.min(k - 1, Math.floor(k * Math.pow(rng.next(), 1.3)));
  for (let j = 0; j < k; j++) logits[i * k + j] = rng.normal() + (j === t ? 3 : 0);
}
const dir = mkdtempSync(join(tmpdir(), 'selavi-sinkhorn-bench-'));
const input = join(dir, 'logits.npy');
writeFileSync(input, encodeNpy(logits, [n, k]));

// ----- the whole `selavi sinkhorn` process -----
const t0 = performance.now();
const run = spawnSync(process.execPath, ['dist/cli/bin.js', 'sinkhorn', input, '--out', join(dir, 'labels.npy'), '--lambda', String(LAMBDA), '--stop', 'sela', '--max-iters', '5000'], { encoding: 'utf8' });
const processSeconds = (performance.now() - t0) / 1000;
if (run.status !== 0) throw new Error(`selavi sinkhorn failed: ${run.stderr}`);
const ours = JSON.parse(run.stdout.trim().split('\n').pop()!);
const labels = Int32Array.from(readNpyArray(join(dir, 'labels.npy')).data);
rmSync(dir, { recursive: true, force: true });

// ----- the full-kernel iterations alone, in this process: their memory traffic -----
const dense = sinkhorn(logits, n, k, { lambda: LAMBDA, stop: 'sela', maxIters: 5000, engine: 'threads', sparse: false });
const denseIterSeconds = dense.phaseSeconds!.iterations;

// ----- SeLa's algorithm, float64, in this process -----
const ref = selaReferenceSinkhorn(logits, n, k, LAMBDA);
let agree = 0;
for (let i = 0; i < n; i++) if (labels[i] === ref.labels[i]) agree++;
const sizeDev = (l: Int32Array) => {
  const counts = new Int32Array(k);
  for (const x of l) counts[x]++;
  return Math.max(...Array.from(counts, (c) => Math.abs(c - n / k) / (n / k)));
};

const bandwidth = memcpyGbPerS();

const kernelBytes = n * k * 4;
console.log(
  JSON.stringify({
    bench: 'sinkhorn-vggsound',
    n,
    k,
    lambda: LAMBDA,
    stop: 'sela',
    process_seconds: Number(processSeconds.toFixed(2)),
    read_seconds: ours.read_seconds,
    solve_seconds: ours.seconds,
    iterate_seconds: ours.iterate_seconds,
    iterations: ours.iters,
    marginal_error: Number(ours.err.toExponential(2)),
    converged: ours.converged,
    sparse_iterations: ours.sparse_iters,
    sparse_density: ours.sparse_density,
    // Without the sparse phase: every iteration streams the float32 kernel once.
    full_kernel_iterations: dense.iterations,
    full_kernel_iterate_seconds: Number(denseIterSeconds.toFixed(2)),
    full_kernel_iteration_ms: Number(((denseIterSeconds * 1000) / dense.iterations).toFixed(1)),
    full_kernel_iteration_gb_per_s: Number(((kernelBytes * dense.iterations) / denseIterSeconds / 1e9).toFixed(1)),
    full_kernel_labels_agree: Number((dense.labels.reduce((a, l, i) => a + (l === labels[i] ? 1 : 0), 0) / n).toFixed(5)),
    memcpy_gb_per_s_one_thread: Number(bandwidth.toFixed(1)),
    reference_js_float64_seconds: Number(ref.seconds.toFixed(1)),
    reference_iterations: ref.iterations,
    speedup_vs_reference_js: Number((ref.seconds / processSeconds).toFixed(2)),
    numpy_reference_seconds: NUMPY_SECONDS,
    speedup_vs_numpy: Number((NUMPY_SECONDS / processSeconds).toFixed(2)),
    labels_agree_with_reference: Number((agree / n).toFixed(5)),
    max_cluster_size_dev_rel: Number(sizeDev(labels).toFixed(4)),
    reference_max_cluster_size_dev_rel: Number(sizeDev(ref.labels).toFixed(4)),
    cli_peak_rss_mb: ours.peak_rss_mb,
    peak_rss_mb: peakRssMb(),
  }),
);
