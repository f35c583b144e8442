/**
 * A run's answer read from its encoder's features rather than from its heads: the final pass's
 * pooled features (rows L2-normalised) embedded by UMAP in as many dimensions as clusters (20
 * neighbours, min_dist 0), then k-means on the embedding (best inertia of 10 seeds). This is N2D's
 * recipe (McConville et al. 2019) on a self-labelled encoder: the heads' answer is equal-size by
 * construction and reads each item alone, where the embedding follows the features' neighbourhoods.
 * Fashion-MNIST's test set (8 epochs, the bench model): the heads 0.577 NMI / 0.635 accuracy,
 * k-means on the features 0.588 / 0.642, this 0.656-0.669 / 0.666-0.728 over UMAP seeds and 15-30
 * neighbours (36 s for 10,000 items); on the raw pixels the same gives 0.620 / 0.557.
 * No truth is involved; seeded, so the same features give the same answer.
 */
import { UMAP } from 'umap-js';
import { kmeans } from '../eval/kmeans.js';
import { createRng } from '../util/rng.js';

/** Neighbours of UMAP's graph (N2D's choice; 15 and 30 gave the same within 0.01 NMI). */
export const FEATURE_ANSWER_NEIGHBOURS = 20;
/** Fewer items than this: too few neighbourhoods to read; the heads answer. */
export const FEATURE_ANSWER_MIN_ITEMS = 500;
/**
 * More items than this: the heads answer (umap-js holds every row as a JavaScript array and its
 * optimisation is single-threaded; measured at 10,000 items only).
 */
export const FEATURE_ANSWER_MAX_ITEMS = 100_000;
const KMEANS_SEEDS = 10;

export interface FeatureAnswer {
  labels: Int32Array;
  /**
   * How much nearer its cluster's centre an item lies than the next centre, in the embedding:
   * d₂ / (d₁ + d₂), 0.5 (between two) to 1 (at its centre); below 0.5 only for an item k-means left
   * nearer another centre (it stops after 100 iterations, settled or not).
   */
  confidence: Float32Array;
}

/** Whether a collection of `n` items gets the features' answer (else the heads', and why). */
export function featureAnswerApplies(n: number, k: number): { applies: true } | { applies: false; why: string } {
  if (n < Math.max(FEATURE_ANSWER_MIN_ITEMS, FEATURE_ANSWER_NEIGHBOURS * k)) return { applies: false, why: `${n} items are too few to read neighbourhoods from (the features' answer needs ${Math.max(FEATURE_ANSWER_MIN_ITEMS, FEATURE_ANSWER_NEIGHBOURS * k)})` };
  if (n > FEATURE_ANSWER_MAX_ITEMS) return { applies: false, why: `${n} items are more than the features' answer takes (${FEATURE_ANSWER_MAX_ITEMS})` };
  return { applies: true };
}

/** The answer for N x D `features` (row-major) in k clusters. */
export function featureAnswer(features: Float32Array, n: number, d: number, k: number, seed: number): FeatureAnswer {
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = Array.from(features.subarray(i * d, (i + 1) * d));
    let norm = 0;
    for (const v of row) norm += v * v;
    norm = Math.sqrt(norm) || 1;
    rows[i] = row.map((v) => v / norm);
  }
  const rng = createRng(seed);
  const umap = new UMAP({ nNeighbors: FEATURE_ANSWER_NEIGHBOURS, nComponents: k, minDist: 0, random: () => rng.next() });
  const embedding = new Float32Array(n * k);
  (umap.fit(rows) as number[][]).forEach((row, i) => embedding.set(row, i * k));
  let best = kmeans(embedding, n, k, k, createRng(seed));
  for (let s = 1; s < KMEANS_SEEDS; s++) {
    const r = kmeans(embedding, n, k, k, createRng(seed + s));
    if (r.inertia < best.inertia) best = r;
  }
  return { labels: best.labels, confidence: marginConfidence(embedding, n, k, best.labels, k) };
}

/** d₂ / (d₁ + d₂) per item, from the distances to its own cluster's mean and to the nearest other. */
export function marginConfidence(x: Float32Array, n: number, d: number, labels: Int32Array, k: number): Float32Array {
  const centre = new Float64Array(k * d);
  const count = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    count[labels[i]]++;
    for (let t = 0; t < d; t++) centre[labels[i] * d + t] += x[i * d + t];
  }
  for (let c = 0; c < k; c++) for (let t = 0; t < d; t++) centre[c * d + t] /= count[c] || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let own = 0;
    let other = Infinity;
    for (let c = 0; c < k; c++) {
      if (count[c] === 0) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (x[i * d + t] - centre[c * d + t]) ** 2;
      if (c === labels[i]) own = Math.sqrt(s);
      else other = Math.min(other, Math.sqrt(s));
    }
    out[i] = other === Infinity ? 1 : own + other === 0 ? 0.5 : other / (own + other);
  }
  return out;
}
