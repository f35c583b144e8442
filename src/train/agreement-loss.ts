/**
 * Cluster agreement between two views of the same items, as mutual information of their cluster
 * posteriors (IIC: Ji, Henriques, Vedaldi, ICCV 2019). The views are a clip's audio and video, or
 * two augmented copies of an image.
 *
 * Why beside self-labelling: it rewards only what the two views share AND what fits in K
 * categories. Unlike an instance-level term (InfoNCE), it cannot be met by telling items apart
 * one by one; unlike summed log-probabilities, one modality's nuisance cannot decide the label
 * alone, because the other modality must predict a matching cluster.
 */
import * as tf from '@tensorflow/tfjs';

/** Floor of the joint's entries before the log (IIC's), so empty cells do not give -∞. */
const EPS = 1e-8;

/**
 * I(z_a; z_b) in nats for row-aligned posteriors pa, pb: [B, K] (rows sum to 1). The joint is
 * P = (1/B) Σ_i pa_i pb_iᵀ and I = Σ_jk P_jk (ln P_jk − ln P_j· − ln P_·k): ln K when the two
 * sides put each item in matching ones of K equally used clusters, 0 when they are independent.
 * `symmetric` (two views through the same network, as IIC) averages P with Pᵀ, so only the same
 * cluster index counts as matching; two modalities' heads are different networks and keep P.
 */
export function clusterMutualInfo(pa: tf.Tensor2D, pb: tf.Tensor2D, symmetric: boolean): tf.Scalar {
  return tf.tidy(() => {
    const joint = tf.div(tf.matMul(pa, pb, true, false), pa.shape[0]) as tf.Tensor2D; // [K, K]
    const p = tf.maximum(symmetric ? tf.div(tf.add(joint, tf.transpose(joint)), 2) : joint, EPS) as tf.Tensor2D;
    const rows = tf.sum(p, 1, true); // [K, 1]
    const cols = tf.sum(p, 0, true); // [1, K]
    const ratio = tf.sub(tf.sub(tf.log(p), tf.log(rows)), tf.log(cols));
    return tf.sum(tf.mul(p, ratio)) as tf.Scalar;
  });
}
