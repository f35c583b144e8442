/**
 * Plumbing for kernels that are compositions of other wasm kernels: calls kernel functions
 * directly on `TensorInfo`s (no engine, no tape, no tidy) and frees every intermediate.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { builtinKernel } from './builtins.js';
import { sliceKernel } from './slice.js';

export { builtinKernel, rememberBuiltin, type WasmKernelArgs, type WasmKernelFunc } from './builtins.js';

/**
 * Tracks the intermediates of one kernel invocation. Outputs of `run` and the helpers are
 * temporaries, freed by `dispose` unless handed to `keep`.
 *
 * Heap views (`f32`) must be taken after the last allocation that precedes their use: growing
 * the wasm memory detaches earlier views of a non-shared heap.
 */
export class WasmScope {
  private readonly temps = new Set<tf.TensorInfo>();

  constructor(readonly backend: BackendWasm) {}

  /** Runs the package's own wasm kernel `name` on tensors of this backend. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const out = builtinKernel(name)({ inputs, backend: this.backend, attrs });
    this.temps.add(out);
    return out;
  }

  /** A temporary output tensor of the given shape; contents are uninitialised. */
  alloc(shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, dtype);
    this.temps.add(out);
    return out;
  }

  /** A float32 view of a tensor's data on the wasm heap (see the class note on memory growth). */
  f32(t: tf.TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** A copy of part of `x` (or `x` itself when the slice is all of it). */
  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    if (begin.every((b) => b === 0) && size.every((n, i) => n === x.shape[i])) return x;
    // Our Slice, not the package's: see slice.ts.
    const out = sliceKernel({ inputs: { x }, backend: this.backend, attrs: { begin, size } });
    this.temps.add(out);
    return out;
  }

  /** NHWC conv with explicit non-negative padding `[[top, bottom], [left, right]]`. */
  conv2d(
    x: tf.TensorInfo,
    filter: tf.TensorInfo,
    pads: [[number, number], [number, number]],
    strides: [number, number] = [1, 1],
    dilations: [number, number] = [1, 1],
  ): tf.TensorInfo {
    const pad = [[0, 0], pads[0], pads[1], [0, 0]] as unknown as tf.NamedAttrMap['pad'];
    return this.run('Conv2D', { x, filter }, { strides, pad, dilations, dataFormat: 'NHWC', dimRoundingMode: null } as unknown as tf.NamedAttrMap);
  }

  /** Excludes `t` from disposal and returns it (the kernel's result). */
  keep(t: tf.TensorInfo): tf.TensorInfo {
    this.temps.delete(t);
    return t;
  }

  /** Whether `t` was made in this scope (and not yet kept). */
  owns(t: tf.TensorInfo): boolean {
    return this.temps.has(t);
  }

  /** Frees every temporary not kept. */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.clear();
  }
}

/**
 * Runs `body` with a fresh scope and returns its result, freeing all intermediates. If the result
 * is one of the inputs (e.g. an identity reshape), the caller gets a new reference to it.
 */
export function withWasmScope(backend: BackendWasm, body: (s: WasmScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new WasmScope(backend);
  try {
    const result = body(scope);
    if (scope.owns(result)) return scope.keep(result);
    // An input passed through: the engine will dispose the output separately, so it needs its
    // own reference on the backend's refcount.
    backend.incRef(result.dataId);
    return { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
  } finally {
    scope.dispose();
  }
}
