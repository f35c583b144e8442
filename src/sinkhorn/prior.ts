/**
 * Cluster-size priors for Sinkhorn-Knopp: uniform (the equipartition) or Gaussian sizes around
 * N/K, as in SeLaVi's non-uniform prior. Drawn sizes are matched to clusters by rank of their
 * current mass, so the LARGEST current cluster gets the LARGEST target. (The reference code sorts
 * one of the two the other way and so inverts the prior, pushing big clusters to shrink and small
 * ones to grow; the test suite pins our direction.)
 */
import { ConfigError } from '../errors.js';
import type { Rng } from '../util/rng.js';

/** Cluster-size prior kinds accepted by the CLI and the training config. */
export type PriorKind = 'uniform' | 'gauss';

/**
 * K target fractions: weights 1 + sd·z (z standard normal), each at least 0.1 so that no cluster
 * is asked to vanish, normalised to sum 1. sd is relative to the uniform size N/K.
 * @example gaussianSizes(10, 0.1, createRng(0)) // ten fractions near 0.1
 */
export function gaussianSizes(k: number, sd: number, rng: Rng): Float64Array {
  if (!(sd >= 0) || !Number.isFinite(sd)) throw new ConfigError(`--sd must be >= 0, got ${sd}`);
  const w = new Float64Array(k);
  let total = 0;
  for (let j = 0; j < k; j++) {
    w[j] = Math.max(0.1, 1 + sd * rng.normal());
    total += w[j];
  }
  for (let j = 0; j < k; j++) w[j] /= total;
  return w;
}

/**
 * Assigns target fractions to clusters by rank of current mass: the cluster with the r-th
 * largest mass gets the r-th largest target. Ties in mass keep cluster order.
 * @example matchPriorByMass([0.5, 0.3, 0.2], [10, 30, 20]) // → [0.2, 0.5, 0.3]
 */
export function matchPriorByMass(targets: ArrayLike<number>, mass: ArrayLike<number>): Float64Array {
  const k = targets.length;
  if (mass.length !== k) throw new ConfigError(`prior has ${k} sizes but there are ${mass.length} clusters`);
  const sortedTargets = Array.from(targets).sort((a, b) => b - a);
  const byMass = Array.from({ length: k }, (_, j) => j).sort((a, b) => mass[b] - mass[a] || a - b);
  const out = new Float64Array(k);
  byMass.forEach((cluster, rank) => {
    out[cluster] = sortedTargets[rank];
  });
  return out;
}

/**
 * Column mass of softmax(scores): Σ_i p_ij, the network's current cluster sizes. float64 sums.
 */
export function softmaxColumnMass(scores: ArrayLike<number>, n: number, k: number): Float64Array {
  const mass = new Float64Array(k);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let m = -Infinity;
    for (let j = 0; j < k; j++) if (scores[o + j] > m) m = scores[o + j];
    let s = 0;
    for (let j = 0; j < k; j++) {
      row[j] = Math.exp(scores[o + j] - m);
      s += row[j];
    }
    for (let j = 0; j < k; j++) mass[j] += row[j] / s;
  }
  return mass;
}

/**
 * The prior for one Sinkhorn solve: undefined (uniform) or Gaussian sizes matched to the
 * current softmax mass of `scores`.
 */
export function resolvePrior(kind: PriorKind, scores: ArrayLike<number>, n: number, k: number, sd: number, rng: Rng): Float64Array | undefined {
  if (kind === 'uniform') return undefined;
  return matchPriorByMass(gaussianSizes(k, sd, rng), softmaxColumnMass(scores, n, k));
}
