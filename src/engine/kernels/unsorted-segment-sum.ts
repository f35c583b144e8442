/**
 * `UnsortedSegmentSum` on the wasm backend, which lacks it. The gradient of `tf.gather`
 * (embedding lookups, gathered prototypes) is a segment sum, so without it any model that gathers
 * from a trainable tensor cannot train on wasm. A scatter-add over rows, in JS on the heap.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WasmKernelArgs } from './builtins.js';

/** Kernel function for `UnsortedSegmentSum` (inputs x, segmentIds; attr numSegments). */
export function unsortedSegmentSumKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`wasm UnsortedSegmentSum: dtype ${x.dtype} is not supported`);
  }
  const idRank = segmentIds.shape.length;
  const outShape = [numSegments, ...x.shape.slice(idRank)];
  const row = x.shape.slice(idRank).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(outShape, x.dtype);
  // Views after makeOutput: allocating may grow (and so detach) the heap.
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  let ids = backend.typedArrayFromHeap(segmentIds) as Int32Array | Float32Array;
  if (segmentIds.dtype !== 'int32') ids = Int32Array.from(ids);
  dst.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i]!;
    // TensorFlow drops ids outside [0, numSegments).
    if (seg < 0 || seg >= numSegments) continue;
    const o = seg * row;
    const s = i * row;
    for (let k = 0; k < row; k++) dst[o + k]! += src[s + k]!;
  }
  return out;
}

