/**
 * Failures inside the WebGPU backend, made loud. A shader Dawn rejects (a WGSL program TensorFlow.js
 * generated wrongly, a buffer over the device's limits) is reported as an "uncaptured error" on the
 * device and the kernel's output is left unwritten: training would go on with garbage (seen: a
 * rank-5 broadcast multiply whose shader did not compile gave NaN scores to Sinkhorn).
 */
import { UserError } from '../errors.js';

/** The part of a GPUDevice this module uses. */
interface DeviceLike {
  addEventListener?(type: 'uncapturederror', listener: (event: { error?: { message?: string } }) => void): void;
  onuncapturederror?: ((event: { error?: { message?: string } }) => void) | null;
}

let first: string | undefined;
const watched = new WeakSet<object>();

/** Starts recording the device's uncaptured errors (once per device). */
export function watchWebGpuErrors(device: DeviceLike): void {
  if (watched.has(device)) return;
  watched.add(device);
  const note = (event: { error?: { message?: string } }) => {
    first ??= (event.error?.message ?? 'unknown error').trim().split('\n')[0]!.slice(0, 300);
  };
  if (typeof device.addEventListener === 'function') device.addEventListener('uncapturederror', note);
  else device.onuncapturederror = note;
}

/** A WebGPU failure that makes results wrong. */
export class WebGpuKernelError extends UserError {
  override name = 'WebGpuKernelError';
}

/**
 * Throws when the device reported an error since the last call (and forgets it). Call after each
 * step or batch: what was computed since may be garbage.
 */
export function throwIfWebGpuFailed(what: string): void {
  const message = first;
  if (message === undefined) return;
  first = undefined;
  throw new WebGpuKernelError(`${what}: a WebGPU kernel failed (${message}); its results cannot be trusted: run with --backend wasm, and report the message`);
}

/** Test hook: records an error as the device would report it. */
export function noteWebGpuErrorForTest(message: string): void {
  first ??= message;
}
