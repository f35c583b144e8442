import { throwIfWasmFailed } from './wasm-failures.js';
import { throwIfWebGpuFailed } from './webgpu-failures.js';

/**
 * Throws when a kernel of the active backend failed since the last call (wasm's XNNPACK, WebGPU's
 * device errors): results computed since may be garbage. Call after each step or batch.
 */
export function throwIfKernelFailed(what: string): void {
  throwIfWasmFailed(what);
  throwIfWebGpuFailed(what);
}
