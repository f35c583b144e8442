/**
 * Sinkhorn on a family of problems (issue 24): the shapes and kinds of bench/lib/sinkhorn-family.ts
 * (K from 10 to 1,000, N up to a million, balanced and skewed sizes, flat, peaked and sharp
 * scores) and, when present, `real`: the logits a trained run of this project exported
 * (`make sinkhorn-real`: SeLa on Fashion-MNIST's 60,000 training images with a 1,000-cluster head).
 * Per problem: the whole `selavi sinkhorn` process with SeLa's stopping rule and with the default
 * (marginal) rule; the same solve without over-relaxation or sparse phase, for the iterations they
 * save; the full-kernel iteration time beside one streaming pass over the kernel at this machine's
 * memory bandwidth (measured in the same run); and the labels against SeLa's algorithm run here in
 * float64 (bench/lib/sela-sinkhorn-reference.ts; SINKHORN_REFERENCE=0 skips it, it takes minutes).
 *
 * numpy is not run here (the project runs no Python): NUMPY_SECONDS_<NAME> (e.g.
 * NUMPY_SECONDS_SHARP) give SeLa's numpy loop's whole-process seconds measured by hand on this
 * machine (README says how); the defaults are the 2026-12-06 figures. SINKHORN_FAMILY=a,b runs some.
 * SINKHORN_RUNS=n (default 3) times the SeLa-rule process n times, after one untimed run, and
 * reports the median: on a virtual machine whose memory the host backs lazily, one process's read
 * moved 0.03-0.7 s. Each process is timed from a small process of its own, as a shell times numpy's.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeNpy, readNpyArray, readNpyMatrix } from '../src/data/npy.js';
import { sinkhorn } from '../src/sinkhorn/sinkhorn.js';
import { SINKHORN_FAMILY } from './lib/sinkhorn-family.js';
import { selaReferenceSinkhorn } from './lib/sela-sinkhorn-reference.js';
import { memcpyGbPerS } from './lib/memory-bandwidth.js';
import { timedProcess } from './lib/timed-process.js';

const LAMBDA = 20;
// SeLa's numpy loop, whole process (np.load to labels), by hand on this machine, 2026-12-06.
const NUMPY_DEFAULTS: Record<string, number> = { clustered: 8.41, zipf: 8.11, peaked: 34.95, sharp: 50.92, flat: 1.5, tall: 6.63, real: 99.74 };
const REAL = resolve(process.env.SINKHORN_REAL ?? '.cache/sinkhorn-real/logits.npy');
const only = process.env.SINKHORN_FAMILY?.split(',');
const withReference = process.env.SINKHORN_REFERENCE !== '0';
const runs = Math.max(1, Number(process.env.SINKHORN_RUNS ?? 3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const bandwidth = memcpyGbPerS();

const problems: { name: string; kind: string; n: number; k: number; scores: () => Float32Array }[] = SINKHORN_FAMILY.map((p) => ({ name: p.name, kind: p.kind, n: p.n, k: p.k, scores: () => p.make() }));
if (existsSync(REAL)) {
  const { rows, cols } = readNpyMatrix(REAL);
  problems.push({ name: 'real', kind: `logits a trained run exported (${REAL})`, n: rows, k: cols, scores: () => Float32Array.from(readNpyMatrix(REAL).data) });
}

const dir = mkdtempSync(join(tmpdir(), 'selavi-sinkhorn-family-'));
const rows: object[] = [];
try {
  for (const p of problems) {
    if (only && !only.includes(p.name)) continue;
    const scores = p.scores();
    const input = join(dir, `${p.name}.npy`);
    writeFileSync(input, encodeNpy(scores, [p.n, p.k]));
    const cli = (stop: string, env: NodeJS.ProcessEnv = process.env) => {
      const out = join(dir, `${p.name}-${stop}.npy`);
      // Timed as a shell times numpy's loop: from a small process, not this one of gigabytes.
      const run = timedProcess(process.execPath, ['dist/cli/bin.js', 'sinkhorn', input, '--out', out, '--lambda', String(LAMBDA), '--stop', stop, '--max-iters', '5000'], env);
      const seconds = run.seconds;
      if (run.status !== 0) throw new Error(`selavi sinkhorn failed on ${p.name}: ${run.stderr}`);
      const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
      return { seconds, summary, labels: Int32Array.from(readNpyArray(out).data as ArrayLike<number>) };
    };
    // One untimed run first: the file was just written, and the first processes after it (numpy's
    // too) can pay the host for memory it backs lazily (a read of this flat file 0.27 s, then 0.03).
    cli('sela');
    const selaRuns = Array.from({ length: runs }, () => cli('sela'));
    const sela = { ...selaRuns[0], seconds: median(selaRuns.map((r) => r.seconds)) };
    const marginal = cli('marginal');
    // The same process on the WebAssembly kernels (worker threads), where the native ones ran.
    const wasm = sela.summary.kernels === 'native' ? cli('sela', { ...process.env, SELAVI_NATIVE: '0' }) : undefined;
    // Without over-relaxation and sparse phase: what they save; every iteration a full-kernel pass.
    const plain = sinkhorn(scores, p.n, p.k, { lambda: LAMBDA, stop: 'sela', maxIters: 5000, relax: false, sparse: false });
    const iterMs = (plain.phaseSeconds ? plain.phaseSeconds.iterations * 1000 : NaN) / plain.iterations;
    const floorMs = ((p.n * p.k * 4) / (bandwidth * 1e9)) * 1000; // one read of the float32 kernel
    const agree = (a: Int32Array, b: Int32Array) => Number((a.reduce((s, l, i) => s + (l === b[i] ? 1 : 0), 0) / a.length).toFixed(5));
    const ref = withReference ? selaReferenceSinkhorn(scores, p.n, p.k, LAMBDA) : undefined;
    const numpy = Number(process.env[`NUMPY_SECONDS_${p.name.toUpperCase()}`] ?? NUMPY_DEFAULTS[p.name] ?? 0);
    rows.push({
      name: p.name,
      n: p.n,
      k: p.k,
      kind: p.kind,
      sela_rule: {
        process_seconds: Number(sela.seconds.toFixed(2)),
        process_seconds_each_run: selaRuns.map((r) => Number(r.seconds.toFixed(2))),
        read_seconds: sela.summary.read_seconds,
        kernels: sela.summary.kernels,
        iterations: sela.summary.iters,
        sparse_iterations: sela.summary.sparse_iters,
        converged: sela.summary.converged,
        labels_agree_with_sela_reference: ref ? agree(sela.labels, ref.labels) : undefined,
      },
      wasm_kernels_sela_rule: wasm ? { process_seconds: Number(wasm.seconds.toFixed(2)), iterations: wasm.summary.iters, native_speedup: Number((wasm.seconds / sela.seconds).toFixed(2)), labels_equal_to_native: agree(wasm.labels, sela.labels) } : undefined,
      marginal_rule: { process_seconds: Number(marginal.seconds.toFixed(2)), iterations: marginal.summary.iters, error: Number(marginal.summary.err.toExponential(2)), labels_agree_with_sela_reference: ref ? agree(marginal.labels, ref.labels) : undefined },
      plain_iterations_sela_rule: plain.iterations,
      plain_absorptions: plain.absorptions ?? 0,
      full_kernel_iteration_ms: Number(iterMs.toFixed(1)),
      kernel_read_floor_ms: Number(floorMs.toFixed(1)),
      reference_iterations: ref?.iterations,
      numpy_process_seconds: numpy || undefined,
      speedup_vs_numpy_sela_rule: numpy ? Number((numpy / sela.seconds).toFixed(2)) : undefined,
      // (No peak RSS: a child spawned from this process inherits its high-water mark on Linux.)
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const speedups = rows.map((r) => (r as { speedup_vs_numpy_sela_rule?: number }).speedup_vs_numpy_sela_rule).filter((x): x is number => x !== undefined);
console.log(
  JSON.stringify({
    bench: 'sinkhorn-family',
    lambda: LAMBDA,
    memcpy_gb_per_s_one_thread: Number(bandwidth.toFixed(1)),
    min_speedup_vs_numpy_sela_rule: speedups.length ? Math.min(...speedups) : undefined,
    problems: rows,
  }),
);
