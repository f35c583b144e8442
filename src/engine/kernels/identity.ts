/**
 * `Identity` without a copy: the package's wasm kernel copies the whole tensor (a training step
 * of a small CNN made 18 such copies of up to 8 MB, ~20 ms, mostly from gradients passed through
 * unchanged). Tensors are immutable, so sharing the data with one more reference is enough: what
 * `Reshape` does on wasm and `Identity` on the cpu backend.
 */
import type * as tf from '@tensorflow/tfjs';
import { builtinKernel, type WasmKernelArgs } from './builtins.js';

/** Kernel function for `Identity` (input x). */
export function identityKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return builtinKernel('Identity')(args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
