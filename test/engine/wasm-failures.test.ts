import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { noteWasmFailureForTest, throwIfWasmFailed, watchWasmFailures, WasmKernelError } from '../../src/engine/wasm-failures.js';

describe('wasm kernel failures', () => {
  it('turns an XNNPACK out-of-memory line on stderr into one clear error, once', () => {
    watchWasmFailures();
    const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
    // What the backend prints (through fs.writeSync(2, ...)) when it cannot create an operator.
    fs.writeSync(2, 'XNN status for xnn_create_convolution2d_nhwc_f32 is not successful. Got status 6. Use -c dbg to see XNN logs.\n');
    let err: unknown;
    try {
      throwIfWasmFailed('training step 3');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WasmKernelError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "training step 3: a wasm kernel failed (xnn_create_convolution2d_nhwc_f32: out of memory); the wasm backend's 4 GB heap is full: lower --batch-size (or --width, --frames, --size), or use a native backend",
    );
    expect(() => throwIfWasmFailed('training step 4')).not.toThrow(); // reported once
  });

  it('names other statuses without the memory advice, and ignores ordinary stderr', () => {
    watchWasmFailures();
    const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
    fs.writeSync(2, 'an ordinary warning\n');
    expect(() => throwIfWasmFailed('x')).not.toThrow();
    noteWasmFailureForTest('XNN status for xnn_setup_convolution2d_nhwc_f32 is not successful. Got status 2.');
    expect(() => throwIfWasmFailed('batch 1')).toThrow(/batch 1: a wasm kernel failed \(xnn_setup_convolution2d_nhwc_f32: invalid parameter\); its results cannot be trusted/);
  });
});
