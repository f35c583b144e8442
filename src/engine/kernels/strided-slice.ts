/**
 * `StridedSlice` with positive strides as block copies: the axes at the end that are taken whole
 * (begin 0, stride 1, every element) form one contiguous block, copied once per position of the
 * outer axes. The package's kernel walks every element with index arithmetic: taking every 2nd
 * frame of the released network's [4,16,28,28,128] activations took ~1 s a call. Simple slices,
 * identities, negative strides and other dtypes stay with the package.
 */
import * as tf from '@tensorflow/tfjs';
import { builtinKernel, type WasmKernelArgs } from './builtins.js';

/** Kernel function for `StridedSlice` (input x; attrs begin, end, strides and the five masks). */
export function stridedSliceKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const a = args.attrs as unknown as tf.StridedSliceAttrs;
  if (x.dtype !== 'float32') return builtinKernel('StridedSlice')(args);
  const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
  const counts = info.finalShapeSparse;
  if (info.isIdentity || info.sliceDim0 || info.isSimpleSlice || counts.length !== x.shape.length || info.strides.some((s) => s <= 0) || tf.util.sizeFromShape(counts) === 0) {
    return builtinKernel('StridedSlice')(args);
  }
  const rank = x.shape.length;
  const xStrides = [...tf.util.computeStrides(x.shape), 1];
  // The whole trailing axes: one contiguous block.
  let inner = rank;
  while (inner > 0 && info.begin[inner - 1] === 0 && info.strides[inner - 1] === 1 && counts[inner - 1] === x.shape[inner - 1]) inner--;
  const blockLen = inner === rank ? 1 : tf.util.sizeFromShape(x.shape.slice(inner));
  const outer = counts.slice(0, inner);
  const out = args.backend.makeOutput(info.finalShape, 'float32');
  const src = args.backend.typedArrayFromHeap(x) as Float32Array;
  const dst = args.backend.typedArrayFromHeap(out) as Float32Array;
  const idx = new Array<number>(inner).fill(0);
  let from = 0;
  for (let d = 0; d < inner; d++) from += info.begin[d] * xStrides[d];
  const total = tf.util.sizeFromShape(outer);
  for (let o = 0, to = 0; o < total; o++, to += blockLen) {
    if (blockLen === 1) dst[to] = src[from];
    else dst.set(src.subarray(from, from + blockLen), to);
    for (let d = inner - 1; d >= 0; d--) {
      from += info.strides[d] * xStrides[d];
      if (++idx[d] < outer[d]) break;
      from -= info.strides[d] * xStrides[d] * outer[d];
      idx[d] = 0;
    }
  }
  return out;
}
