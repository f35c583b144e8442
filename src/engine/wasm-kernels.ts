/**
 * Kernel replacements and additions for the TensorFlow.js wasm backend, so that training conv
 * nets on it works and is fast (see each kernel's file for what was wrong and the measurements):
 *
 * - `Conv2DBackpropFilter` (missing: training any conv net failed with "kernel not registered")
 * - `Conv2DBackpropInput` (scalar loop, ~10x slower than the equivalent forward conv)
 * - `Tile` (per-element indexing; dominated the batch-norm backward pass)
 * - `Slice` (copies the whole input out of the heap, then element by element)
 * - `Sum`, `Mean` over leading axes (transpose-then-reduce; batch norm's per-channel reductions)
 * - `Conv3D`, `Conv3DBackpropInputV2`, `Conv3DBackpropFilterV2` (scalar loops, ~45x slow)
 * - `UnsortedSegmentSum` (missing: the gradient of `tf.gather`)
 * - `MaxPoolGrad` (the slowest kernel of a small CNN's training step)
 * - `Identity` (copied the whole tensor; now one more reference to the same data)
 * - `StridedSlice` with positive strides (element by element; now block copies)
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel } from './kernels/conv2d-grad.js';
import { conv3dBackpropFilterKernel, conv3dBackpropInputKernel, conv3dKernel } from './kernels/conv3d.js';
import { identityKernel } from './kernels/identity.js';
import { stridedSliceKernel } from './kernels/strided-slice.js';
import { maxPoolGradKernel } from './kernels/max-pool-grad.js';
import { meanKernel, sumKernel } from './kernels/reduce-leading.js';
import { sliceKernel } from './kernels/slice.js';
import { tileKernel } from './kernels/tile.js';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum.js';
import { rememberBuiltin, type WasmKernelFunc } from './kernels/builtins.js';

/** The kernels `registerWasmKernels` installs, by kernel name. */
export const WASM_KERNEL_REPLACEMENTS: Readonly<Record<string, WasmKernelFunc>> = {
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
  Conv2DBackpropInput: conv2dBackpropInputKernel,
  Tile: tileKernel,
  Slice: sliceKernel,
  Sum: sumKernel,
  Mean: meanKernel,
  Conv3D: conv3dKernel,
  Conv3DBackpropInputV2: conv3dBackpropInputKernel,
  Conv3DBackpropFilterV2: conv3dBackpropFilterKernel,
  UnsortedSegmentSum: unsortedSegmentSumKernel,
  MaxPoolGrad: maxPoolGradKernel,
  Identity: identityKernel,
  StridedSlice: stridedSliceKernel,
};

let registered = false;

/**
 * Installs the replacements on the `wasm` backend (idempotent). Works before or after the
 * backend is initialised: the kernels need no per-backend setup. The package's own versions are
 * kept, for the cases a replacement hands back to them.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  // The replacements call these package kernels; fail here, not mid-training, if one is missing.
  for (const needed of ['Conv2D', 'Transpose', 'Reshape', 'StridedSlice', 'AvgPool']) {
    if (tf.getKernel(needed, 'wasm') === undefined) {
      throw new Error(`wasm kernel ${needed} is not registered: import @tensorflow/tfjs-backend-wasm first`);
    }
  }
  for (const [kernelName, kernelFunc] of Object.entries(WASM_KERNEL_REPLACEMENTS)) {
    if (rememberBuiltin(kernelName) !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  registered = true;
}

/** Puts the package's own kernels back (for benchmarks and tests comparing against them). */
export function unregisterWasmKernels(): void {
  if (!registered) return;
  for (const kernelName of Object.keys(WASM_KERNEL_REPLACEMENTS)) {
    tf.unregisterKernel(kernelName, 'wasm');
    const original = rememberBuiltin(kernelName);
    if (original !== undefined) {
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: original as unknown as tf.KernelFunc });
    }
  }
  registered = false;
}
