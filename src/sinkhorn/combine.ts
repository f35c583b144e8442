/**
 * The multi-modal form of SeLaVi: each modality (visual, audio) gives scores for the same clip;
 * the shared assignment is solved on the sum (or mean) of their log-probabilities, as if each
 * modality were an augmentation of the clip.
 */
import { ConfigError } from '../errors.js';

/** How modalities' log-probabilities are combined. */
export type CombineMode = 'sum' | 'mean';

/**
 * Σ_m log_softmax(S_m) (or the mean), row by row, into one new N x K Float32Array; float64 maths.
 * @example const fused = combineLogProbs([videoLogits, audioLogits], n, k);
 */
export function combineLogProbs(scores: readonly (Float32Array | Float64Array)[], n: number, k: number, mode: CombineMode = 'sum'): Float32Array {
  if (scores.length === 0) throw new ConfigError('combineLogProbs: no modality given');
  for (const [m, s] of scores.entries()) {
    if (s.length !== n * k) throw new ConfigError(`combineLogProbs: modality ${m} has ${s.length} scores, expected ${n}x${k}`);
  }
  const out = new Float32Array(n * k);
  const acc = new Float64Array(k);
  const scale = mode === 'mean' ? 1 / scores.length : 1;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    acc.fill(0);
    for (const s of scores) {
      let m = -Infinity;
      for (let j = 0; j < k; j++) if (s[o + j] > m) m = s[o + j];
      let z = 0;
      for (let j = 0; j < k; j++) z += Math.exp(s[o + j] - m);
      const lse = m + Math.log(z);
      for (let j = 0; j < k; j++) acc[j] += s[o + j] - lse;
    }
    for (let j = 0; j < k; j++) out[o + j] = acc[j] * scale;
  }
  return out;
}
