/**
 * Registers the native addon's kernels (kernels/native.ts) on the wasm backend, over the
 * package's and our wasm replacements (wasm-kernels.ts), which stay as their fallback. Without the
 * addon nothing changes: the reason is returned for the one backend log line.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmKernelFunc } from './kernels/builtins.js';
import { nativeKernels } from './kernels/native.js';
import { loadNativeAddon, type NativeLoad } from './native-addon.js';

/** Which kernels run natively, or why none do. */
export type NativeKernelState = { engine: string; kernels: string[] } | { engine?: undefined; reason: string };

let replaced: Map<string, WasmKernelFunc | undefined> | undefined;
let state: NativeKernelState | undefined;

/** Installs the native kernels on `wasm` (idempotent); call after registerWasmKernels. */
export function registerNativeKernels(load: NativeLoad = loadNativeAddon()): NativeKernelState {
  if (replaced) return state!;
  if (load.addon === undefined) return (state = { reason: load.reason });
  const previous = new Map<string, WasmKernelFunc | undefined>();
  const before = (name: string): WasmKernelFunc => {
    const fn = previous.get(name);
    if (fn === undefined) throw new Error(`wasm kernel ${name} is not registered`);
    return fn;
  };
  const kernels = nativeKernels(load.addon, before);
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const config = tf.getKernel(kernelName, 'wasm');
    previous.set(kernelName, config?.kernelFunc as unknown as WasmKernelFunc | undefined);
    if (config) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  replaced = previous;
  return (state = { engine: load.addon.version(), kernels: Object.keys(kernels) });
}

/** Puts back the kernels the native ones replaced (benchmarks and tests comparing the two). */
export function unregisterNativeKernels(): void {
  if (!replaced) return;
  for (const [kernelName, fn] of replaced) {
    tf.unregisterKernel(kernelName, 'wasm');
    if (fn) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc });
  }
  replaced = undefined;
  state = undefined;
}

/** The current state, for logs and benches (`engine` field). */
export function nativeKernelState(): NativeKernelState | undefined {
  return state;
}
