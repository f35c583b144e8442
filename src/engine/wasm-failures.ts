/**
 * Failures inside the wasm backend's XNNPACK kernels, made loud. When XNNPACK cannot create or
 * set up an operator (most often: the 4 GB wasm heap is full), the backend prints "XNN status for
 * xnn_... is not successful. Got status N" to stderr and carries on with an output it never
 * wrote: training goes on with garbage. Measured: SeLaVi with batch 64, 8 frames of 48x48 and
 * width 32 filled the heap (3.8 GB) in its first step and printed 120 such lines in a run.
 *
 * The Emscripten module prints through `fs.writeSync(2, …)` (its node default), looked up on
 * each call, so a wrapper on the CommonJS `fs` object sees the lines; nothing else changes.
 */
import { createRequire } from 'node:module';
import { UserError } from '../errors.js';

const XNN_FAILURE = /XNN status for (\w+) is not successful\. Got status (\d+)/;
/** xnn_status values (xnnpack.h). */
const XNN_STATUS: Record<number, string> = {
  1: 'uninitialized',
  2: 'invalid parameter',
  3: 'invalid state',
  4: 'unsupported parameter',
  5: 'unsupported hardware',
  6: 'out of memory',
};

let installed = false;
let first: { op: string; status: number } | undefined;

/** Starts watching stderr writes for XNNPACK failures (once per process). */
export function watchWasmFailures(): void {
  if (installed) return;
  installed = true;
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const writeSync = fs.writeSync;
  fs.writeSync = function (this: unknown, fd: number, data: unknown, ...rest: unknown[]) {
    if (fd === 2 && first === undefined && typeof data === 'string') {
      const m = XNN_FAILURE.exec(data);
      if (m) first = { op: m[1], status: Number(m[2]) };
    }
    return (writeSync as (...args: unknown[]) => number).call(this, fd, data, ...rest);
  } as typeof fs.writeSync;
}

/** An XNNPACK failure that makes results wrong: a UserError saying what to lower. */
export class WasmKernelError extends UserError {
  override name = 'WasmKernelError';
}

/**
 * Throws when a kernel failed since the last call (and forgets it). Call after each step or
 * batch: what was computed since may be garbage.
 */
export function throwIfWasmFailed(what: string): void {
  const f = first;
  if (!f) return;
  first = undefined;
  const status = XNN_STATUS[f.status] ?? `status ${f.status}`;
  const hint =
    f.status === 6
      ? 'the wasm backend\'s 4 GB heap is full: lower --batch-size (or --width, --frames, --size), or use a native backend'
      : 'its results cannot be trusted';
  throw new WasmKernelError(`${what}: a wasm kernel failed (${f.op}: ${status}); ${hint}`);
}

/** Test hook: records a failure line as the backend would print it. */
export function noteWasmFailureForTest(line: string): void {
  const m = XNN_FAILURE.exec(line);
  if (m) first = { op: m[1], status: Number(m[2]) };
}
