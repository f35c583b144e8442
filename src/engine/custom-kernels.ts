/**
 * Kernels of our own (no TensorFlow.js op has them), registered per backend where an engine
 * provides them (the native addon on wasm). Callers check {@link hasKernel} and otherwise compose
 * the same maths from standard ops.
 */
import * as tf from '@tensorflow/tfjs';

/** Batch norm with batch statistics: inputs x [.., C], gamma, beta; attrs eps → [y, mean, variance]. */
export const BATCH_NORM_TRAIN = 'SelaviBatchNormTrain';
/** Its gradient: inputs dy, x, gamma, mean, variance; attrs eps → [dx, dgamma, dbeta]. */
export const BATCH_NORM_TRAIN_GRAD = 'SelaviBatchNormTrainGrad';

/** Whether the active backend has kernel `name`. */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
