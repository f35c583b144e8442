/**
 * k-means (Lloyd's iterations from a k-means++ start), the baseline every clustering result is
 * compared with in the quality benchmarks. Points are rows of an N x D Float32Array; distances
 * and centroids in float64. Seeded: same input and seed, same labels.
 */
import { ConfigError } from '../errors.js';
import type { Rng } from '../util/rng.js';

export interface KMeansResult {
  labels: Int32Array;
  /** Sum of squared distances to the assigned centroid. */
  inertia: number;
  iterations: number;
}

function sqDist(x: Float32Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = x[i * d + t] - c[j * d + t];
    s += diff * diff;
  }
  return s;
}

/** @example kmeans(points, n, d, 10, createRng(0)).labels */
export function kmeans(x: Float32Array, n: number, d: number, k: number, rng: Rng, maxIters = 100): KMeansResult {
  if (k < 1 || k > n) throw new ConfigError(`kmeans: expected 1 <= k <= n=${n}, got ${k}`);
  if (x.length !== n * d) throw new ConfigError(`kmeans: expected ${n}x${d} values, got ${x.length}`);
  const c = new Float64Array(k * d);
  // ----- k-means++: each next centre drawn with probability ∝ squared distance to the nearest -----
  const first = rng.int(n);
  for (let t = 0; t < d; t++) c[t] = x[first * d + t];
  const near = new Float64Array(n).fill(Infinity);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      near[i] = Math.min(near[i], sqDist(x, i, c, j - 1, d));
      total += near[i];
    }
    let r = rng.next() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= near[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    for (let t = 0; t < d; t++) c[j * d + t] = x[pick * d + t];
  }
  // ----- Lloyd: assign, then move each centre to its points' mean (an empty cluster keeps its centre) -----
  const labels = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  let iterations = 0;
  let inertia = 0;
  for (; iterations < maxIters; iterations++) {
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < k; j++) {
        const dist = sqDist(x, i, c, j, d);
        if (dist < bestD) {
          bestD = dist;
          best = j;
        }
      }
      inertia += bestD;
      if (labels[i] !== best) changed++;
      labels[i] = best;
    }
    if (changed === 0) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      counts[labels[i]]++;
      for (let t = 0; t < d; t++) sums[labels[i] * d + t] += x[i * d + t];
    }
    for (let j = 0; j < k; j++) if (counts[j] > 0) for (let t = 0; t < d; t++) c[j * d + t] = sums[j * d + t] / counts[j];
  }
  return { labels, inertia, iterations };
}
