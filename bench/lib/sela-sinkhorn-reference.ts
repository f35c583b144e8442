/**
 * SeLa's Sinkhorn as its released code runs it, for the sinkhorn benches to check against (never
 * used by the library): P = softmax of the scores in float64, P^λ, then alternately
 * r = (1/K) / (Pᵀc) and c = (1/N) / (P r) from c = 1/N, until Σ_i |c_i(before)/c_i − 1| ≤ 0.1,
 * tested every 10th iteration; labels argmax_j P_ij r_j. Each iteration here is one pass over
 * P (the item update of one iteration and the cluster sums of the next share it), which gives
 * the same iterates as two.
 */
export interface ReferenceResult {
  labels: Int32Array;
  iterations: number;
  seconds: number;
}

export function selaReferenceSinkhorn(scores: Float32Array, n: number, k: number, lambda: number): ReferenceResult {
  const t0 = performance.now();
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, scores[o + j]);
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(scores[o + j] - m);
    for (let j = 0; j < k; j++) p[o + j] = Math.pow(Math.exp(scores[o + j] - m) / s, lambda);
  }
  const c = new Float64Array(n).fill(1 / n);
  const r = new Float64Array(k);
  const colSum = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) colSum[j] += p[i * k + j] * c[i];
  let iterations = 0;
  let err = Infinity;
  while (err > 0.1) {
    for (let j = 0; j < k; j++) r[j] = 1 / k / colSum[j];
    colSum.fill(0);
    let change = 0;
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let d = 0;
      for (let j = 0; j < k; j++) d += p[o + j] * r[j];
      const ci = 1 / n / d;
      change += Math.abs(c[i] / ci - 1);
      c[i] = ci;
      for (let j = 0; j < k; j++) colSum[j] += p[o + j] * ci;
    }
    if (iterations % 10 === 0) err = change;
    iterations++;
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j] * r[j] > p[i * k + arg] * r[arg]) arg = j;
    labels[i] = arg;
  }
  return { labels, iterations, seconds: (performance.now() - t0) / 1000 };
}
