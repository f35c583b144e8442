import { createRng } from '../../src/util/rng.js';

/**
 * Random but clustered logits: item i belongs to cluster truth[i]; its logit there is raised by
 * `margin`, all logits get N(0, noise²). Cluster sizes are uneven when `skew` > 0.
 */
export function clusteredLogits(n: number, k: number, { seed = 0, margin = 3, noise = 1, skew = 0 } = {}) {
  const rng = createRng(seed);
  const logits = new Float32Array(n * k);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = skew > 0 ? Math.min(k - 1, Math.floor(k * Math.pow(rng.next(), 1 + skew))) : i % k;
    truth[i] = t;
    for (let j = 0; j < k; j++) logits[i * k + j] = noise * rng.normal() + (j === t ? margin : 0);
  }
  return { logits, truth };
}
