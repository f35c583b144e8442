/**
 * `Tile` on the wasm backend as block copies on the heap.
 *
 * Why: the backward pass of `tf.layers.batchNormalization` (the FusedBatchNorm gradient in
 * tfjs-core) tiles the per-channel 1/sqrt(var+eps) from [1,1,1,C] to the full [N,H,W,C]. The
 * package's Tile computes every output element's source index separately: 68 ms for
 * [1,1,1,32] -> [32,32,32,32], two thirds of the whole BN forward+backward. Here each input row is
 * copied once and then doubled with `copyWithin`, i.e. memcpy speed (~1 ms).
 */
import type * as tf from '@tensorflow/tfjs';
import { builtinKernel, type WasmKernelArgs } from './builtins.js';

type HeapArray = Float32Array | Int32Array | Uint8Array;

/**
 * Simplifies (shape, reps) without changing the memory layout of the result: drops axes of
 * size 1 with 1 rep, merges neighbours that are both un-repeated (contiguous data) and
 * neighbours that are both of size 1 (pure repetition).
 */
export function canonicalTile(shape: readonly number[], reps: readonly number[]): { shape: number[]; reps: number[] } {
  const s: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const n = shape[i]!;
    const r = reps[i]!;
    if (n === 1 && r === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && r === 1 && m[last] === 1) s[last] *= n;
    else if (last >= 0 && n === 1 && s[last] === 1) m[last] *= r;
    else {
      s.push(n);
      m.push(r);
    }
  }
  if (s.length === 0) return { shape: [1], reps: [1] };
  return { shape: s, reps: m };
}

/** Repeats out[base, base+len) so it fills out[base, base+len*times), doubling each step. */
function repeatBlock(out: HeapArray, base: number, len: number, times: number): void {
  const total = len * times;
  let done = len;
  while (done < total) {
    const n = Math.min(done, total - done);
    out.copyWithin(base + done, base, base + n);
    done += n;
  }
}

/** Tiles `src` (canonical `shape`, `reps`) into `out` (same dtype, already sized). */
export function tileInto(src: HeapArray, out: HeapArray, shape: readonly number[], reps: readonly number[]): void {
  const rank = shape.length;
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  inStride[rank - 1] = 1;
  outStride[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) {
    inStride[i] = inStride[i + 1]! * shape[i + 1]!;
    outStride[i] = outStride[i + 1]! * shape[i + 1]! * reps[i + 1]!;
  }
  const fill = (axis: number, inBase: number, outBase: number): void => {
    const n = shape[axis]!;
    if (axis === rank - 1) {
      if (n === 1) out.fill(src[inBase]!, outBase, outBase + reps[axis]!);
      else {
        out.set(src.subarray(inBase, inBase + n), outBase);
        repeatBlock(out, outBase, n, reps[axis]!);
      }
      return;
    }
    for (let j = 0; j < n; j++) fill(axis + 1, inBase + j * inStride[axis]!, outBase + j * outStride[axis]!);
    repeatBlock(out, outBase, n * outStride[axis]!, reps[axis]!);
  };
  fill(0, 0, 0);
}

/** Kernel function for `Tile` (input x; attr reps). Strings go to the package's kernel. */
export function tileKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const reps = (attrs as unknown as tf.TileAttrs).reps;
  if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return builtinKernel('Tile')(args);
  const outShape = x.shape.map((n, i) => n * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((n) => n === 0)) return out;
  const c = canonicalTile(x.shape, reps);
  // Views after makeOutput: allocating may grow (and so detach) the heap.
  const src = backend.typedArrayFromHeap(x) as HeapArray;
  const dst = backend.typedArrayFromHeap(out) as HeapArray;
  tileInto(src, dst, c.shape, c.reps);
  return out;
}
