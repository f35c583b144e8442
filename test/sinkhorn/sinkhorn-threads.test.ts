import { describe, expect, it } from 'vitest';
import { sinkhorn } from '../../src/sinkhorn/sinkhorn.js';
import { fitsThreaded, selaRuleStops, stallWatch } from '../../src/sinkhorn/sinkhorn-threads.js';
import { RowBlockThreads, nativeSinkhorn, threadsFor } from '../../src/sinkhorn/row-block-threads.js';
import { ConfigError } from '../../src/errors.js';
import { clusteredLogits } from '../helpers/clustered-logits.js';
import { selaReferenceSinkhorn } from '../../bench/lib/sela-sinkhorn-reference.js';

function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

describe('SeLa stopping rule', () => {
  it('tests the change at iterations 1, 11, 21, ... against 0.1', () => {
    expect(selaRuleStops(1, 0.05)).toBe(true);
    expect(selaRuleStops(2, 0.05)).toBe(false);
    expect(selaRuleStops(10, 0)).toBe(false);
    expect(selaRuleStops(11, 0.1)).toBe(true);
    expect(selaRuleStops(11, 0.1000001)).toBe(false);
    expect(selaRuleStops(21, 0.01)).toBe(true);
  });
});

describe('stallWatch', () => {
  it('says stalled once the error, above tol, has not improved 1% on its best for the window', () => {
    const stalled = stallWatch(3, 0.01);
    // 1.0 best at 1; 0.995 is not 1% better; nor is 0.991; at iteration 4 three have passed since the best.
    expect([1, 0.995, 0.991, 0.992].map((e) => stalled(e))).toEqual([false, false, false, true]);
    const again = stallWatch(3, 0.01);
    // 0.98 is 2% better: the count restarts there.
    expect([1, 0.995, 0.98, 0.979, 0.978, 0.977].map((e) => again(e))).toEqual([false, false, false, false, false, true]);
    const below = stallWatch(2, 0.5);
    expect([0.4, 0.4, 0.4, 0.4].map((e) => below(e))).toEqual([false, false, false, false]); // under tol: never stalled
  });
});

describe('threadsFor', () => {
  it('uses one worker below 4M entries, one native block below 256K, and every core (at most 8) above', () => {
    expect(threadsFor(3_999_999, 2, false)).toBe(1);
    expect(threadsFor(4_000_000, 2, false)).toBe(2);
    expect(threadsFor(50_000_000, 64, false)).toBe(8);
    expect(threadsFor(262_143, 2, true)).toBe(1);
    expect(threadsFor(262_144, 2, true)).toBe(2);
  });
});

// Every case runs on both kernels: the WebAssembly module on worker threads, and the addon's C++
// on OpenMP threads where it is built (the default there), so that neither goes untested in CI.
for (const kernels of ['wasm', 'native'] as const)
describe.skipIf(kernels === 'native' && !nativeSinkhorn())(`sinkhorn on threads, ${kernels} kernels`, () => {
  const threaded = { engine: 'threads', kernels } as const;

  // K = 17 is odd and not a multiple of 4: every SIMD loop's scalar tail runs.
  for (const stop of ['marginal', 'sela'] as const) {
    it(`gives the JavaScript solver's labels and iterations with 1 and 2 threads (stop: ${stop})`, () => {
      const n = 3001;
      const k = 17;
      const { logits } = clusteredLogits(n, k, { seed: 11, skew: 1.5 });
      const js = sinkhorn(logits, n, k, { engine: 'js', stop });
      for (const threads of [1, 2]) {
        const wasm = sinkhorn(logits, n, k, { ...threaded, stop, threads, sparse: false });
        expect(agreement(wasm.labels, js.labels)).toBeGreaterThanOrEqual(0.999);
        expect(Math.abs(wasm.iterations - js.iterations)).toBeLessThanOrEqual(stop === 'sela' ? 10 : 1);
        expect(wasm.converged).toBe(true);
        expect(wasm.error).toBeLessThan(stop === 'sela' ? 1e-4 : 1e-3);
        expect(wasm.sparseIterations).toBe(0);
        expect(wasm.phaseSeconds!.iterations).toBeGreaterThan(0);
        expect(wasm.kernels).toBe(kernels);
      }
    });
  }

  it('runs a sparse phase where few entries matter, then meets the rule on the full kernel', () => {
    // Skewed cluster sizes: the scalings move far from where they start, so the entries the sparse
    // phase leaves out matter and it must hand over to the full kernel (which then decides).
    const n = 3001;
    const k = 17;
    const { logits } = clusteredLogits(n, k, { seed: 11, skew: 1.5 });
    const js = sinkhorn(logits, n, k, { engine: 'js', stop: 'sela' });
    const wasm = sinkhorn(logits, n, k, { ...threaded, stop: 'sela', threads: 2, sparse: true });
    expect(wasm.sparseDensity).toBeGreaterThan(0);
    expect(wasm.sparseDensity).toBeLessThanOrEqual(0.25);
    expect(wasm.sparseIterations).toBeGreaterThan(0);
    expect(wasm.iterations).toBeGreaterThan(wasm.sparseIterations!); // at least one full iteration
    expect(wasm.converged).toBe(true);
    expect(agreement(wasm.labels, js.labels)).toBeGreaterThanOrEqual(0.999);
    // Evenly sized, peaked clusters: the same labels with and without it.
    const even = clusteredLogits(20_000, 40, { seed: 2, margin: 6, noise: 2 }).logits;
    const a = sinkhorn(even, 20_000, 40, { ...threaded, stop: 'sela', threads: 2, sparse: true });
    const b = sinkhorn(even, 20_000, 40, { ...threaded, stop: 'sela', threads: 2, sparse: false });
    expect(a.sparseIterations).toBeGreaterThan(0);
    expect(b.sparseIterations).toBe(0);
    expect(agreement(a.labels, b.labels)).toBeGreaterThanOrEqual(0.999);
  });

  it('decides from its first iterations whether the sparse phase pays', () => {
    // Flat scores: solved in a handful of iterations, so the sparse kernel would never pay for itself.
    const flat = clusteredLogits(20_000, 40, { seed: 3, margin: 0, noise: 0.05 }).logits;
    const f = sinkhorn(flat, 20_000, 40, { ...threaded, stop: 'sela', threads: 2 });
    expect(f.sparseIterations).toBe(0);
    expect(f.sparseDensity).toBeUndefined();
    // Peaked scores at SeLa's strict rule: many iterations left after the first 40, 1.6% of the
    // entries that matter: it runs.
    const { logits } = clusteredLogits(20_000, 100, { seed: 4, margin: 10, noise: 3 });
    const p = sinkhorn(logits, 20_000, 100, { ...threaded, stop: 'sela', threads: 2 });
    expect(p.sparseIterations).toBeGreaterThan(0);
    expect(p.sparseDensity).toBeLessThan(0.05);
    expect(p.converged).toBe(true);
    const plain = sinkhorn(logits, 20_000, 100, { ...threaded, stop: 'sela', threads: 2, sparse: false });
    expect(agreement(p.labels, plain.labels)).toBeGreaterThanOrEqual(0.999);
  });

  it('over-relaxes to the same labels in far fewer iterations', () => {
    const n = 30_000;
    const k = 50;
    const { logits } = clusteredLogits(n, k, { seed: 6, skew: 1 });
    for (const engine of ['js', 'threads'] as const) {
      const plain = sinkhorn(logits, n, k, { engine, kernels, stop: 'sela', relax: false, sparse: false, maxIters: 5000 });
      const fast = sinkhorn(logits, n, k, { engine, kernels, stop: 'sela', sparse: false, maxIters: 5000 });
      expect(plain.omega).toBe(1);
      expect(fast.omega).toBeGreaterThan(1.3);
      expect(fast.converged).toBe(true);
      expect(fast.iterations * 2).toBeLessThan(plain.iterations);
      expect(agreement(fast.labels, plain.labels)).toBeGreaterThanOrEqual(0.999);
    }
  });

  it('absorbs the scalings into a rebuilt kernel where the float32 kernel lost clusters', () => {
    // Sharp, skewed scores: many clusters are nobody's favourite and 4·N(0,1)+12 logits at λ = 20
    // leave their columns hundreds of nats below every row's best: zero in float32.
    const n = 3000;
    const k = 60;
    const { logits } = clusteredLogits(n, k, { seed: 7, margin: 12, noise: 4, skew: 2 });
    const wasm = sinkhorn(logits, n, k, { ...threaded, threads: 2, tol: 1e-4, maxIters: 5000 });
    expect(wasm.absorptions).toBeGreaterThanOrEqual(1);
    expect(wasm.converged).toBe(true);
    for (const c of wasm.counts) expect(Math.abs(c - n / k)).toBeLessThanOrEqual(2);
    const js = sinkhorn(logits, n, k, { engine: 'js', tol: 1e-4, maxIters: 5000 });
    expect(agreement(wasm.labels, js.labels)).toBeGreaterThanOrEqual(0.99);
  });

  it('starts warm from a previous solve: fewer iterations, the same labels as a cold start', () => {
    const n = 20_000;
    const k = 40;
    const { logits } = clusteredLogits(n, k, { seed: 8, skew: 1 });
    const rng = clusteredLogits(n, k, { seed: 9, margin: 0, noise: 0.05 }).logits; // a small change, as between label updates
    const next = logits.map((x, i) => x + rng[i]);
    for (const engine of ['js', 'threads'] as const) {
      const first = sinkhorn(logits, n, k, { engine, kernels, tol: 1e-5 });
      expect(first.columnLogScaling).toHaveLength(k);
      const cold = sinkhorn(next, n, k, { engine, kernels, tol: 1e-5 });
      const warm = sinkhorn(next, n, k, { engine, kernels, tol: 1e-5, warmStart: first.columnLogScaling });
      expect(warm.converged).toBe(true);
      expect(warm.iterations).toBeLessThan(cold.iterations);
      expect(agreement(warm.labels, cold.labels)).toBeGreaterThanOrEqual(0.999);
    }
  });

  it("agrees with SeLa's own algorithm (float64, from softmax) on 99% of items, its plan's marginals within 1%", () => {
    const n = 6000;
    const k = 30;
    const { logits } = clusteredLogits(n, k, { seed: 5, skew: 1 });
    const ours = sinkhorn(logits, n, k, { lambda: 20, stop: 'sela', ...threaded, threads: 2 });
    const ref = selaReferenceSinkhorn(logits, n, k, 20);
    expect(agreement(ours.labels, ref.labels)).toBeGreaterThanOrEqual(0.99);
    expect(ours.error).toBeLessThanOrEqual(0.01); // the plan's columns, mean relative error
    // Hard labels (argmax of the plan) are not exactly balanced: no further off than SeLa's own.
    const dev = (counts: ArrayLike<number>) => Math.max(...Array.from(counts, (c) => Math.abs(c - n / k)));
    const refCounts = new Int32Array(k);
    for (const l of ref.labels) refCounts[l]++;
    expect(dev(ours.counts)).toBeLessThanOrEqual(dev(refCounts) + 2);
  });

  it('names the row of a non-finite score', () => {
    const s = new Float32Array(40).fill(0);
    s[7 * 2 + 1] = Infinity;
    expect(() => sinkhorn(s, 20, 2, { ...threaded, threads: 2 })).toThrow(ConfigError);
    expect(() => sinkhorn(s, 20, 2, { ...threaded, threads: 2 })).toThrow(/row 7 has a non-finite score \(Infinity\)/);
  });

  it('refuses a thread count that is not a whole number of at least 1', () => {
    const { logits } = clusteredLogits(100, 4, { seed: 1 });
    for (const threads of [0, 1.5, -2, NaN]) expect(() => sinkhorn(logits, 100, 4, { ...threaded, threads })).toThrow(/threads >= 1/);
  });

  it('refuses in-place and keepPlan solves, which it does not do', () => {
    const { logits } = clusteredLogits(100, 4, { seed: 1 });
    expect(() => sinkhorn(logits, 100, 4, { ...threaded, keepPlan: true })).toThrow(/threads engine/);
    expect(() => sinkhorn(logits, 100, 4, { ...threaded, inPlace: true })).toThrow(/threads engine/);
  });
});

describe('row-block kernels, against sums by hand', () => {
  const engines = nativeSinkhorn() ? (['native', null] as const) : ([null] as const);
  for (const native of engines) {
    const name = native ? 'native' : 'wasm';
    it(`label each row by its first best column, a NaN never winning (${name})`, () => {
      const pool = new RowBlockThreads(1 << 16, 2, 1 << 16, native === 'native' ? nativeSinkhorn()! : null);
      try {
        const rows = [
          [1, 1, 0.5, 0, 0, 0, 0, 0, 0],
          [0, 2, 2, 0, 0, 0, 0, 0, 0],
          [NaN, 1, 1, 0, 0, 0, 0, 0, 3],
          [0, 0, 0, 0, 0, 0, 0, 0, 0],
          [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
        ];
        const k = rows[0].length;
        const E = pool.alloc(rows.length * k * 4);
        const V = pool.alloc(k * 8);
        const L = pool.alloc(rows.length * 4);
        new Float32Array(pool.memory.buffer, E, rows.length * k).set(rows.flat());
        // Column 8's scaling 0.25 makes row 2's 3 a 0.75, under the two 1s.
        new Float64Array(pool.memory.buffer, V, k).set([1, 1, 1, 1, 1, 1, 1, 1, 0.25]);
        pool.run('argmaxLabels', rows.length, (_t, r0, r1) => [E, k, r0, r1, V, L]);
        expect(Array.from(new Int32Array(pool.memory.buffer, L, rows.length))).toEqual([0, 1, 1, 0, 0]);
      } finally {
        pool.close();
      }
    });

    it(`label long rows by their first best column across vector lanes and chunks (${name})`, () => {
      // Widths around the kernels' steps (8 lanes, 32 columns, tails), ties placed in different lanes
      // and steps, NaNs, a row of NaNs and a row of zeros; against a scalar pass by hand.
      for (const k of [3, 10, 37, 100, 333]) {
        const n = 23;
        const pool = new RowBlockThreads(1 << 16, 2, 1 << 16, native === 'native' ? nativeSinkhorn()! : null);
        try {
          const E = pool.alloc(n * k * 4);
          const V = pool.alloc(k * 8);
          const L = pool.alloc(n * 4);
          const kernel = new Float32Array(pool.memory.buffer, E, n * k);
          const v = new Float64Array(pool.memory.buffer, V, k);
          for (let j = 0; j < k; j++) v[j] = 1 + (j % 3) / 8;
          for (let i = 0; i < n * k; i++) kernel[i] = ((i * 7919) % 1009) / 1009;
          const row = (i: number) => kernel.subarray(i * k, (i + 1) * k);
          const at = (j: number) => j % k;
          row(0).fill(0);
          row(1).fill(NaN);
          for (let i = 2; i < n; i++) {
            // A tie for the top between two columns (scaled by v: same v class, j ≡ j' mod 3).
            const a = at(i * 5), b = at(a + 3 * (1 + (i % 11)));
            row(i)[a] = 2;
            row(i)[b] = 2;
            if (i % 4 === 0) row(i)[at(i)] = NaN;
          }
          pool.run('argmaxLabels', n, (_t, r0, r1) => [E, k, r0, r1, V, L]);
          const expected = Array.from({ length: n }, (_, i) => {
            let top = -Infinity;
            for (let j = 0; j < k; j++) if (row(i)[j] * v[j] > top) top = row(i)[j] * v[j];
            for (let j = 0; j < k; j++) if (row(i)[j] * v[j] === top) return j;
            return 0;
          });
          expect(Array.from(new Int32Array(pool.memory.buffer, L, n)), `K = ${k}`).toEqual(expected);
        } finally {
          pool.close();
        }
      }
    });

    it(`build the row-normalised kernel, flushing what underflows float32 to 0 (${name})`, () => {
      // Widths with a tail past 16 lanes (37) and rows shorter than one vector (10); 19 rows in two
      // blocks; λ = 20 and a spread of 10 put many exponents below float32's smallest normal.
      for (const k of [10, 37]) {
        const n = 19;
        const lambda = 20;
        const pool = new RowBlockThreads(1 << 16, 2, 1 << 16, native === 'native' ? nativeSinkhorn()! : null);
        try {
          const S = pool.alloc(n * k * 4);
          const E = pool.alloc(n * k * 4);
          const RS = pool.alloc(n * 8);
          const RM = pool.alloc(n * 8);
          const C = pool.alloc(2 * 64 * 8);
          const scores = new Float32Array(pool.memory.buffer, S, n * k);
          for (let i = 0; i < n * k; i++) scores[i] = (((i * 7919) % 1009) / 1009) * 10 - 5;
          pool.run('rowKernel', n, (t, r0, r1) => [S, E, k, r0, r1, lambda, 0, RS, C + t * 64 * 8, RM]);
          const kernel = new Float32Array(pool.memory.buffer, E, n * k);
          const rowSum = new Float64Array(pool.memory.buffer, RS, n);
          const parts = new Float64Array(pool.memory.buffer, C, 2 * 64);
          const col = new Float64Array(k);
          let flushed = 0;
          for (let i = 0; i < n; i++) {
            let mx = -Infinity;
            for (let j = 0; j < k; j++) mx = Math.max(mx, lambda * scores[i * k + j]);
            let sum = 0;
            for (let j = 0; j < k; j++) {
              const exact = Math.exp(Math.fround(lambda * scores[i * k + j] - mx));
              const got = kernel[i * k + j];
              if (exact < 1.1754944e-38) {
                expect(got).toBe(0);
                flushed++;
              } else {
                expect(Math.abs(got - exact) / exact).toBeLessThan(1e-6);
              }
              sum += got;
            }
            expect(rowSum[i] / sum - 1).toBeCloseTo(0, 12);
            for (let j = 0; j < k; j++) col[j] += kernel[i * k + j] / rowSum[i];
          }
          expect(flushed).toBeGreaterThan(n); // the case is exercised
          for (let j = 0; j < k; j++) expect(parts[j] + parts[64 + j]).toBeCloseTo(col[j], 12);
        } finally {
          pool.close();
        }
      }
    });

    it(`update row scalings and column sums over wide rows as float64 sums (${name})`, () => {
      // K = 45 (≥ 32: the rows' sums interleaved by chunks of 8, and a tail past the vectors' width),
      // 21 rows in two blocks (a chunk of fewer than 8 rows at each block's end).
      const n = 21;
      const k = 45;
      const pool = new RowBlockThreads(1 << 16, 2, 1 << 16, native === 'native' ? nativeSinkhorn()! : null);
      try {
        const E = pool.alloc(n * k * 4);
        const V = pool.alloc(k * 8);
        const U = pool.alloc(n * 8);
        const C = pool.alloc(2 * 64 * 8);
        const S = pool.alloc(2 * 4 * 8);
        const kernel = new Float32Array(pool.memory.buffer, E, n * k);
        for (let i = 0; i < n * k; i++) kernel[i] = ((i * 7919) % 101) / 50 + 0.01;
        const v = Float64Array.from({ length: k }, (_, j) => 0.5 + (j % 7) / 4);
        new Float64Array(pool.memory.buffer, V, k).set(v);
        new Float64Array(pool.memory.buffer, U, n).fill(1);
        const r = 1 / n;
        pool.run('scalingPass', n, (t, r0, r1) => [E, k, r0, r1, r, V, U, C + t * 64 * 8, 1, S + t * 4 * 8]);
        const u = new Float64Array(pool.memory.buffer, U, n);
        const parts = new Float64Array(pool.memory.buffer, C, 2 * 64);
        const col = new Float64Array(k);
        for (let i = 0; i < n; i++) {
          let d = 0;
          for (let j = 0; j < k; j++) d += kernel[i * k + j] * v[j];
          expect(u[i]).toBeCloseTo(r / d, 12);
          for (let j = 0; j < k; j++) col[j] += kernel[i * k + j] * (r / d);
        }
        for (let j = 0; j < k; j++) expect(parts[j] + parts[64 + j]).toBeCloseTo(col[j], 12);
      } finally {
        pool.close();
      }
    });
  }
});

describe.skipIf(!nativeSinkhorn())('native Sinkhorn kernels against the wasm ones', () => {
  it('give the same iterations and labels on full, sparse and stabilised solves', () => {
    const cases = [
      { n: 3001, k: 17, logits: clusteredLogits(3001, 17, { seed: 11, skew: 1.5 }).logits, opts: { stop: 'sela', sparse: false } },
      { n: 20_000, k: 40, logits: clusteredLogits(20_000, 40, { seed: 2, margin: 6, noise: 2 }).logits, opts: { stop: 'sela', sparse: true } },
      { n: 3000, k: 60, logits: clusteredLogits(3000, 60, { seed: 7, margin: 12, noise: 4, skew: 2 }).logits, opts: { tol: 1e-4, maxIters: 5000 } },
    ] as const;
    for (const { n, k, logits, opts } of cases) {
      const wasm = sinkhorn(logits, n, k, { engine: 'threads', threads: 2, kernels: 'wasm', ...opts });
      const native = sinkhorn(logits, n, k, { engine: 'threads', threads: 2, kernels: 'native', ...opts });
      expect([native.kernels, wasm.kernels]).toEqual(['native', 'wasm']);
      // The float64 sums run in another order (8 lanes, not 2): iterations may differ by a test window.
      expect(Math.abs(native.iterations - wasm.iterations)).toBeLessThanOrEqual(10);
      expect(native.sparseIterations! > 0).toBe(wasm.sparseIterations! > 0);
      expect(native.absorptions).toBe(wasm.absorptions);
      expect(agreement(native.labels, wasm.labels)).toBeGreaterThanOrEqual(0.999);
    }
  });

  it('work in a plain ArrayBuffer with all its room at once (no 4 GiB wasm32 limit)', () => {
    const pool = new RowBlockThreads(1 << 20, 2, 3 << 20, nativeSinkhorn()!);
    try {
      expect(pool.memory.buffer).toBeInstanceOf(ArrayBuffer);
      expect(pool.memory.buffer.byteLength).toBeGreaterThanOrEqual(3 << 20);
      pool.alloc(1 << 20);
      expect(pool.grow(1 << 20)).toBe(true); // inside the room reserved at the start
      expect(pool.grow(4 << 20)).toBe(false); // past it: the caller solves elsewhere
    } finally {
      pool.close();
    }
    // 5 GB of scores: too big for the wasm kernels' memory, not for the native ones'.
    expect(fitsThreaded(500_000, 2_500, false)).toBe(false);
    expect(fitsThreaded(500_000, 2_500, true)).toBe(true);
  });

  it('refuse a block whose arrays run past the memory, naming the block', () => {
    const pool = new RowBlockThreads(4096, 2, 4096, nativeSinkhorn()!);
    try {
      expect(pool.engine).toBe('native');
      const at = pool.alloc(64 * 4);
      // argmaxLabels over rows 0..10 of a 64-wide kernel: 2,560 bytes from `at`, past a 4 KiB alloc'd tail.
      const bytes = pool.memory.buffer.byteLength;
      expect(() => pool.run('argmaxLabels', 20, (_t, r0, r1) => [bytes - 100, 64, r0, r1, at, at])).toThrow(/sinkhornRun: block 0: a region at byte \d+ runs past the memory/);
      expect(() => pool.run('argmaxLabels', 20, (_t, r0, r1) => [at, 0, r0, r1, at, at])).toThrow(/k must be positive/);
      expect(() => pool.run('argmaxLabels', 20, (_t, r0, r1) => [-64, 4, r0, r1, at, at])).toThrow(/argument 0 must be a whole number >= 0/);
      expect(() => pool.run('argmaxLabels', 20, (_t, r0, r1) => [at + 0.5, 4, r0, r1, at, at])).toThrow(/argument 0 must be a whole number >= 0/);
      // A sparse kernel whose row starts fall: its rows would reach entries of other rows.
      const start = pool.alloc(21 * 4);
      const starts = new Int32Array(pool.memory.buffer, start, 21);
      starts.set(Array.from({ length: 21 }, (_, i) => i));
      starts[5] = 100;
      const sparseArgs = (r0: number, r1: number) => [start, at, at, r0, r1, 1 / 20, at, at, at, 1, at];
      expect(() => pool.run('sparseScalingPass', 20, (_t, r0, r1) => sparseArgs(r0, r1))).toThrow(/sparse rows' starts must rise from 0/);
    } finally {
      pool.close();
    }
  });
});
