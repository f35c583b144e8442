/**
 * The building blocks of the encoders, written as plain tfjs ops over a ParamStore (no
 * tf.layers): merging batch and time axes for (2+1)D convolutions is a reshape here, and every
 * variable is named, saved and restored by us. All tensors are NHWC.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain, hasBatchNormTrain } from './batch-norm-train.js';
import type { ParamStore } from './params.js';

/** Forward-pass context: the parameters, and whether batch-norm uses batch statistics. */
export interface Ctx {
  params: ParamStore;
  training: boolean;
  /** Batch-norm running-stat updates collected during a training step, applied after it. */
  bnUpdates: { mean: tf.Variable; variance: tf.Variable; batchMean: tf.Tensor; batchVar: tf.Tensor }[];
}

const BN_MOMENTUM = 0.9;
const BN_EPS = 1e-5;

/** 2-D convolution without bias (batch norm follows). x: [B, H, W, Cin] → [B, H', W', Cout]. */
export function conv(ctx: Ctx, name: string, x: tf.Tensor4D, cout: number, kernel: [number, number], stride: [number, number] = [1, 1]): tf.Tensor4D {
  const cin = x.shape[3];
  const w = ctx.params.weight(`${name}/w`, [kernel[0], kernel[1], cin, cout], kernel[0] * kernel[1] * cin);
  return tf.conv2d(x, w as tf.Tensor4D, stride, 'same');
}

/**
 * Batch norm over all axes but the last. Training uses batch statistics and records an update
 * of the running ones; evaluation uses the running ones.
 */
export function batchNorm(ctx: Ctx, name: string, x: tf.Tensor): tf.Tensor {
  const c = x.shape[x.shape.length - 1];
  const gamma = ctx.params.constant(`${name}/gamma`, [c], 1);
  const beta = ctx.params.constant(`${name}/beta`, [c], 0);
  const runMean = ctx.params.constant(`${name}/mean`, [c], 0, false);
  const runVar = ctx.params.constant(`${name}/var`, [c], 1, false);
  if (!ctx.training) return tf.batchNorm(x, runMean, runVar, beta, gamma, BN_EPS);
  if (hasBatchNormTrain()) {
    const { y, mean, variance } = batchNormTrain(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, BN_EPS);
    ctx.bnUpdates.push({ mean: runMean, variance: runVar, batchMean: mean, batchVar: variance }); // kept already
    return y;
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  ctx.bnUpdates.push({ mean: runMean, variance: runVar, batchMean: tf.keep(mean), batchVar: tf.keep(variance) });
  return tf.batchNorm(x, mean, variance, beta, gamma, BN_EPS);
}

/** Applies and disposes the running-stat updates recorded by a training step. */
export function applyBnUpdates(ctx: Ctx): void {
  tf.tidy(() => {
    for (const u of ctx.bnUpdates) {
      u.mean.assign(u.mean.mul(BN_MOMENTUM).add(u.batchMean.mul(1 - BN_MOMENTUM)));
      u.variance.assign(u.variance.mul(BN_MOMENTUM).add(u.batchVar.mul(1 - BN_MOMENTUM)));
    }
  });
  for (const u of ctx.bnUpdates) {
    u.batchMean.dispose();
    u.batchVar.dispose();
  }
  ctx.bnUpdates.length = 0;
}

/** conv → BN → ReLU. */
export function convBnRelu(ctx: Ctx, name: string, x: tf.Tensor4D, cout: number, kernel: [number, number], stride: [number, number] = [1, 1]): tf.Tensor4D {
  return tf.relu(batchNorm(ctx, `${name}/bn`, conv(ctx, name, x, cout, kernel, stride))) as tf.Tensor4D;
}

/**
 * A 2-D residual block: two 3x3 convs, with a 1x1 projection on the shortcut when the shape changes.
 */
export function residual2d(ctx: Ctx, name: string, x: tf.Tensor4D, cout: number, stride: number): tf.Tensor4D {
  const h = convBnRelu(ctx, `${name}/a`, x, cout, [3, 3], [stride, stride]);
  const y = batchNorm(ctx, `${name}/b/bn`, conv(ctx, `${name}/b`, h, cout, [3, 3])) as tf.Tensor4D;
  const shortcut = stride === 1 && x.shape[3] === cout ? x : (batchNorm(ctx, `${name}/proj/bn`, conv(ctx, `${name}/proj`, x, cout, [1, 1], [stride, stride])) as tf.Tensor4D);
  return tf.relu(tf.add(y, shortcut)) as tf.Tensor4D;
}

/**
 * A (2+1)D residual block for clips (R(2+1)D, Tran et al. 2018): a 3x3 spatial conv per frame,
 * then a 3x1 temporal conv across frames, each with BN + ReLU; both are conv2d (conv3d is ~100x
 * slower on wasm). x: [B, T, H, W, C] → [B, T, H', W', Cout].
 */
export function residual2plus1d(ctx: Ctx, name: string, x: tf.Tensor5D, cout: number, stride: number): tf.Tensor5D {
  const [b, t, h, w, cin] = x.shape;
  const frames = tf.reshape(x, [b * t, h, w, cin]) as tf.Tensor4D; // [B·T, H, W, C]
  const spatial = convBnRelu(ctx, `${name}/s`, frames, cout, [3, 3], [stride, stride]); // [B·T, H', W', Cout]
  const [, h2, w2] = spatial.shape;
  const asTime = tf.reshape(spatial, [b, t, h2 * w2, cout]) as tf.Tensor4D; // [B, T, H'·W', Cout]: conv along T
  const temporal = batchNorm(ctx, `${name}/t/bn`, conv(ctx, `${name}/t`, asTime, cout, [3, 1])) as tf.Tensor4D;
  const shortcut =
    stride === 1 && cin === cout
      ? tf.reshape(x, [b, t, h2 * w2, cout])
      : tf.reshape(batchNorm(ctx, `${name}/proj/bn`, conv(ctx, `${name}/proj`, frames, cout, [1, 1], [stride, stride])), [b, t, h2 * w2, cout]);
  return tf.reshape(tf.relu(tf.add(temporal, shortcut)), [b, t, h2, w2, cout]) as tf.Tensor5D;
}

/** Fully connected layer with bias. x: [B, Din] → [B, Dout]. */
export function dense(ctx: Ctx, name: string, x: tf.Tensor2D, dout: number): tf.Tensor2D {
  const din = x.shape[1];
  const w = ctx.params.weight(`${name}/w`, [din, dout], din);
  const bias = ctx.params.constant(`${name}/b`, [dout], 0);
  return tf.add(tf.matMul(x, w as tf.Tensor2D), bias) as tf.Tensor2D;
}
