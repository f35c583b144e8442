/** L2 weight decay as a gradient term: g ← g + wd·w, for the given variables only. */
import * as tf from '@tensorflow/tfjs';

/**
 * Adds wd·w to the gradient of each variable in `decayed` (keyed by variable name, as
 * `tf.variableGrads` returns them). Others (biases, batch-norm) are left as they are. Returns a
 * new map; call inside `tf.tidy`.
 */
export function withWeightDecay(grads: tf.NamedTensorMap, decayed: readonly tf.Variable[], wd: number): tf.NamedTensorMap {
  if (wd <= 0) return grads;
  const out: tf.NamedTensorMap = { ...grads };
  for (const v of decayed) {
    const g = grads[v.name];
    if (g) out[v.name] = tf.add(g, tf.mul(v, wd));
  }
  return out;
}
