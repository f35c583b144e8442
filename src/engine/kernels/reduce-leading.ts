/**
 * `Sum` and `Mean` over a contiguous block of axes that is followed by kept axes, e.g. the
 * per-channel reductions over [N, H, W] of an NHWC tensor that batch norm does four or five times
 * per layer and step (moments forward; scale, offset, mean and variance gradients backward), or
 * global average pooling's mean over [H, W].
 *
 * The package's kernels first transpose the reduced axes to the end, then reduce: 16-18 ms for
 * [32,64,64,32] -> [32]. Read as [outer, M1, M2, inner] (M1*M2 = the reduced size), the mean is
 * one average pooling with an M1 x M2 window, which XNNPACK does in ~1 ms. (A ones-vector
 * BatchMatMul is as fast only when the tensor is reused: the package caches the packed right-hand
 * operand by tensor id, and packing a fresh 16 MB operand costs as much as the transpose.)
 * Everything else goes to the package's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { builtinKernel, withWasmScope, type WasmKernelArgs } from './wasm-scope.js';

/**
 * [outer, reducedRows, reducedCols, inner] when `axes` is one contiguous block followed by kept
 * axes; reducedCols is the last reduced axis, reducedRows the product of the others.
 */
export function leadingBlock(
  shape: readonly number[],
  axes: readonly number[],
): [number, number, number, number] | undefined {
  if (axes.length === 0) return undefined;
  const sorted = [...axes].sort((a, b) => a - b);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (last - first + 1 !== sorted.length || last >= shape.length - 1) return undefined;
  const prod = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return [prod(0, first), prod(first, last), shape[last]!, prod(last + 1, shape.length)];
}

function reduceViaAvgPool(kernel: 'Sum' | 'Mean', args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const block = leadingBlock(x.shape, axes);
  // Inner-most reductions need no transpose and are already fast; integer sums must stay exact.
  if (x.dtype !== 'float32' || block === undefined || block.some((n) => n === 0) || block[1] * block[2] === 1) {
    return builtinKernel(kernel)(args);
  }
  const [outer, rows, cols, inner] = block;
  const outShape = keepDims ? x.shape.map((n, i) => (axes.includes(i) ? 1 : n)) : x.shape.filter((_, i) => !axes.includes(i));
  return withWasmScope(backend, (s) => {
    const x4 = s.reshape(x, [outer, rows, cols, inner]);
    const mean = s.run('AvgPool', { x: x4 }, { filterSize: [rows, cols], strides: [1, 1], pad: 'valid', dimRoundingMode: null } as unknown as tf.NamedAttrMap); // [outer, 1, 1, inner]
    if (kernel === 'Sum') {
      const v = s.f32(mean);
      const size = rows * cols;
      for (let i = 0; i < v.length; i++) v[i]! *= size;
    }
    return s.reshape(mean, outShape);
  });
}

/** Kernel function for `Sum` (input x; attrs axis, keepDims). */
export function sumKernel(args: WasmKernelArgs): tf.TensorInfo {
  return reduceViaAvgPool('Sum', args);
}

/** Kernel function for `Mean` (input x; attrs axis, keepDims). */
export function meanKernel(args: WasmKernelArgs): tf.TensorInfo {
  return reduceViaAvgPool('Mean', args);
}
