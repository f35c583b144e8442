/**
 * The wasm package's own kernel functions, remembered before any replacement is registered, and
 * the types kernel functions have on the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The argument every kernel function receives. */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/** A wasm kernel function, typed with the wasm backend. */
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo;

/**
 * The kernel functions the wasm package registered before we replaced some of them: replacements
 * fall back to them for cases they do not handle (other dtypes, NCHW, unequal strides, ...).
 */
const builtins = new Map<string, WasmKernelFunc | null>();

/**
 * Remembers, the first time it is asked about `name`, the package's own kernel (or that there is
 * none), so a replacement can delegate to it and an unregistration can restore it.
 */
export function rememberBuiltin(name: string): WasmKernelFunc | undefined {
  if (!builtins.has(name)) {
    const config = tf.getKernel(name, 'wasm') as tf.KernelConfig | undefined;
    builtins.set(name, config === undefined ? null : (config.kernelFunc as unknown as WasmKernelFunc));
  }
  return builtins.get(name) ?? undefined;
}

/** The package's own kernel for `name`, as it was before any replacement. */
export function builtinKernel(name: string): WasmKernelFunc {
  const fn = rememberBuiltin(name);
  if (fn === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return fn;
}
