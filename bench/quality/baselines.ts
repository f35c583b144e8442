/** Feature baselines for the quality benchmarks: k-means on raw inputs, scored against truth. */
import { openCache } from '../../src/data/cache-reader.js';
import { kmeans } from '../../src/eval/kmeans.js';
import { truthForItems } from '../../src/train/reference-labels.js';
import { scoreLabels } from '../../src/eval/score-labels.js';
import { createRng } from '../../src/util/rng.js';

/** Standardises each column (zero mean, unit variance), then scales the block by 1/√D so that blocks of different width weigh alike when concatenated. */
export function standardise(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < d; t++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * d + t];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * d + t] - mean) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++) out[i * d + t] = (x[i * d + t] - mean) / sd / Math.sqrt(d);
  }
  return out;
}

/** Row-wise concatenation of two N x D blocks. */
export function concatColumns(a: Float32Array, da: number, b: Float32Array, db: number, n: number): Float32Array {
  const out = new Float32Array(n * (da + db));
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * da, (i + 1) * da), i * (da + db));
    out.set(b.subarray(i * db, (i + 1) * db), i * (da + db) + da);
  }
  return out;
}

/** k-means (best inertia of 3 seeds) scored against truth: {nmi, ari, accuracy}. */
export function kmeansScore(x: Float32Array, n: number, d: number, k: number, truth: Int32Array) {
  let best = kmeans(x, n, d, k, createRng(0));
  for (const seed of [1, 2]) {
    const r = kmeans(x, n, d, k, createRng(seed));
    if (r.inertia < best.inertia) best = r;
  }
  const s = scoreLabels(truth, best.labels);
  return { nmi: round(s.nmi), ari: round(s.ari), accuracy: round(s.accuracy) };
}

export function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

/**
 * k-means on a decoded clip cache's raw inputs, scored against `truthFile`: the frames' pixels, the
 * log-mel's mean and sd over time per mel bin, and both (each block standardised).
 */
export async function clipBaselines(cacheDir: string, truthFile: string, k: number) {
  const cache = await openCache(cacheDir);
  const { truth } = await truthForItems(truthFile, cache.paths);
  const [t, h, w] = cache.frameShape;
  const [f, m] = cache.specShape;
  const dv = t * h * w * 3;
  const items = cache.size;
  const pixels = new Float32Array(items * dv);
  const specStats = new Float32Array(items * 2 * m);
  for (let i = 0; i < items; i++) {
    const clip = cache.get(i);
    pixels.set(clip.frames, i * dv);
    for (let b = 0; b < m; b++) {
      let s = 0;
      let s2 = 0;
      for (let a = 0; a < f; a++) {
        const x = clip.spec[a * m + b];
        s += x;
        s2 += x * x;
      }
      const mean = s / f;
      specStats[i * 2 * m + b] = mean;
      specStats[i * 2 * m + m + b] = Math.sqrt(Math.max(0, s2 / f - mean * mean));
    }
  }
  cache.close();
  const pv = standardise(pixels, items, dv);
  const pa = standardise(specStats, items, 2 * m);
  return {
    items,
    kmeans_pixels: kmeansScore(pv, items, dv, k, truth),
    kmeans_logmel_stats: kmeansScore(pa, items, 2 * m, k, truth),
    kmeans_both: kmeansScore(concatColumns(pv, dv, pa, 2 * m, items), items, dv + 2 * m, k, truth),
  };
}
