/**
 * Cross-modal alignment (InfoNCE, as in audio-visual correspondence / CLIP): each clip's audio
 * embedding must pick out its own video embedding among the batch's, and the reverse.
 *
 * Why next to self-labelling: what the two modalities of a clip share is the content; each
 * modality's nuisances (noise colour, polarity, voice, ...) are drawn independently of the other.
 * Self-labelling from a random network has no such pull: at small scale its first labels follow
 * the loudest nuisance and training then only sharpens them. This loss gives gradient towards
 * the shared content from the first step, and the Sinkhorn labels then form on top of it.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Symmetric InfoNCE between row-aligned unit-length embeddings a, b: [B, D] (row i of `a` and
 * row i of `b` come from the same item). Mean over the 2B cross-entropies of
 * softmax(a_i · b_j / τ) over j (and over i), target j = i. Lowest at 0, ln B for unrelated rows.
 */
export function infoNce(a: tf.Tensor2D, b: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const n = a.shape[0];
    const logits = tf.div(tf.matMul(a, b, false, true), temperature) as tf.Tensor2D; // [B, B]
    const eye = tf.oneHot(tf.range(0, n, 1, 'int32'), n);
    const ab = tf.losses.softmaxCrossEntropy(eye, logits);
    const ba = tf.losses.softmaxCrossEntropy(eye, tf.transpose(logits));
    return tf.div(tf.add(ab, ba), 2) as tf.Scalar;
  });
}
