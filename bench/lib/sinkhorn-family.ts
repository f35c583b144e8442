/**
 * The Sinkhorn benches' problems: N x K score matrices of different shapes and kinds, made from
 * one seed each, so that a speed-up is measured on a family and not on one problem. `real` is not
 * made here: it is the logits a trained run of this project exported (`make sinkhorn-real`).
 */
import { createRng } from '../../src/util/rng.js';

export interface FamilyProblem {
  name: string;
  n: number;
  k: number;
  /** One line: what the scores look like. */
  kind: string;
  make(): Float32Array;
}

/** Cluster sizes ∝ `weights`: the cumulative distribution to draw each item's true cluster from. */
function drawer(weights: number[]): (u: number) => number {
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  return (u) => {
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Each item: noise·N(0,1) for every cluster, plus `bump` on its true cluster (drawn by `truth`). */
function clustered(n: number, k: number, seed: number, noise: number, bump: number, truth: (u: number) => number): Float32Array {
  const rng = createRng(seed);
  const s = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const t = truth(rng.next());
    for (let j = 0; j < k; j++) s[i * k + j] = noise * rng.normal() + (j === t ? bump : 0);
  }
  return s;
}

export const SINKHORN_FAMILY: FamilyProblem[] = [
  {
    name: 'clustered',
    n: 170_752,
    k: 309,
    kind: "VGG-Sound's shape; N(0,1) logits, +3 on each item's cluster, cluster sizes ∝ u^1.3 draws",
    make() {
      const rng = createRng(0);
      const { n, k } = this;
      const s = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        const t = Math.min(k - 1, Math.floor(k * Math.pow(rng.next(), 1.3)));
        for (let j = 0; j < k; j++) s[i * k + j] = rng.normal() + (j === t ? 3 : 0);
      }
      return s;
    },
  },
  {
    name: 'zipf',
    n: 170_752,
    k: 309,
    kind: 'the same, true cluster sizes Zipf-distributed (∝ 1/rank): a 300-fold spread',
    make() {
      return clustered(this.n, this.k, 1, 1, 3, drawer(Array.from({ length: this.k }, (_, j) => 1 / (j + 1))));
    },
  },
  {
    name: 'peaked',
    n: 100_000,
    k: 1000,
    kind: 'peaked scores: 3·N(0,1) logits, +10 on each item’s cluster, equal cluster sizes',
    make() {
      return clustered(this.n, this.k, 2, 3, 10, (u) => Math.floor(u * this.k));
    },
  },
  {
    name: 'sharp',
    n: 100_000,
    k: 1000,
    kind: 'sharp and skewed: 4·N(0,1) logits, +12 on each item’s cluster, true sizes ∝ 1/rank^1.5 (hundreds of clusters nobody favours: their columns underflow float32 at λ = 20)',
    make() {
      return clustered(this.n, this.k, 5, 4, 12, drawer(Array.from({ length: this.k }, (_, j) => (j + 1) ** -1.5)));
    },
  },
  {
    name: 'flat',
    n: 400_000,
    k: 100,
    kind: 'an untrained network: 0.05·N(0,1) logits, no clusters',
    make() {
      return clustered(this.n, this.k, 3, 0.05, 0, (u) => Math.floor(u * this.k));
    },
  },
  {
    name: 'tall',
    n: 1_000_000,
    k: 10,
    kind: 'a million items, ten clusters of sizes 1 to 10 (∝ rank); N(0,1) logits, +2 on each item’s cluster',
    make() {
      return clustered(this.n, this.k, 4, 1, 2, drawer(Array.from({ length: this.k }, (_, j) => j + 1)));
    },
  },
];
