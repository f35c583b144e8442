/**
 * Batch norm with batch statistics as ONE kernel forward and ONE backward, where the backend has
 * them (the native addon on wasm: custom-kernels.ts); tfjs composes the same maths from ~20
 * element-wise kernels a layer (moments, normalise, and the gradient of each), which dominated a
 * training step once the convolutions ran natively. The gradient is the full one (through the
 * batch mean and variance), as tfjs's composed ops give.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, hasKernel } from '../engine/custom-kernels.js';

/** Whether {@link batchNormTrain} can run on the active backend. */
export function hasBatchNormTrain(): boolean {
  return hasKernel(BATCH_NORM_TRAIN) && hasKernel(BATCH_NORM_TRAIN_GRAD);
}

/**
 * y = (x - mean) / sqrt(variance + eps) * gamma + beta over all axes but the last; returns y and
 * the batch statistics (variance biased, as tf.moments), the latter outside the gradient, kept
 * (not freed by an enclosing tidy): the caller disposes them.
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad(((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x: xs, gamma: g, beta: b }, { eps }) as unknown as tf.Tensor[];
    save([xs, g, mean, variance]);
    // customGrad runs this in a tidy: the statistics leave it kept (the caller disposes them).
    stats = [tf.keep(mean) as tf.Tensor1D, tf.keep(variance) as tf.Tensor1D];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sv] = saved;
        return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x: sx, gamma: sg, mean: sm, variance: sv }, { eps }) as unknown as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta);
  return { y, mean: stats![0], variance: stats![1] };
}
