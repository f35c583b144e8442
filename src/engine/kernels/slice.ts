/**
 * `Slice` on the wasm backend as runs of contiguous copies on the heap.
 *
 * The package's Slice is JavaScript that first copies the WHOLE input out of the heap
 * (`readSync`), then copies element by element; above rank 4 it goes through tfjs-core's generic
 * buffer code. Taking 7 of 8 depth slices of a [4,8,32,32,16] tensor took ~350 ms, which made a
 * Conv3D built from 2-D convs slower than the scalar one. Here every maximal contiguous run
 * (the trailing axes the slice keeps whole, plus the last partial one) is one `TypedArray.set`.
 */
import * as tf from '@tensorflow/tfjs';
import { builtinKernel, type WasmKernelArgs } from './builtins.js';

type HeapArray = Float32Array | Int32Array | Uint8Array;

/** Copies the slice `begin`/`size` of `src` (shape `shape`) into `dst`, run by run. */
export function sliceInto(src: HeapArray, dst: HeapArray, shape: readonly number[], begin: readonly number[], size: readonly number[]): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return;
  }
  const strides = new Array<number>(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i]!;
  }
  // Axes after `k` are taken whole, so a run covers size[k] * strides[k] elements.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = size[k]! * strides[k]!;
  const idx = new Array<number>(k).fill(0);
  let out = 0;
  for (;;) {
    let from = begin[k]! * strides[k]!;
    for (let i = 0; i < k; i++) from += (begin[i]! + idx[i]!) * strides[i]!;
    dst.set(src.subarray(from, from + run), out);
    out += run;
    // Next outer index (odometer over axes 0..k-1).
    let i = k - 1;
    while (i >= 0 && ++idx[i]! === size[i]) idx[i--] = 0;
    if (i < 0) break;
  }
}

/** Kernel function for `Slice` (input x; attrs begin, size). Strings go to the package's kernel. */
export function sliceKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return builtinKernel('Slice')(args);
  const { begin, size } = attrs as unknown as tf.SliceAttrs;
  const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const out = backend.makeOutput(size_, x.dtype);
  if (size_.some((n) => n === 0)) return out;
  // Views after makeOutput: allocating may grow (and so detach) the heap.
  const src = backend.typedArrayFromHeap(x) as HeapArray;
  const dst = backend.typedArrayFromHeap(out) as HeapArray;
  sliceInto(src, dst, x.shape, begin_, size_);
  return out;
}
