/**
 * `MaxPoolGrad` on the wasm backend: each output window sends its gradient to its first largest
 * input (row-major order within the window, as tfjs's cpu kernel and TensorFlow pick it).
 *
 * Why: the package's kernel took 236 ms of a 1.3 s training step of a small CNN (batch 64,
 * 32x32x32 → 16x16x32 and 16x16x64 → 8x8x64 pools), more than any convolution. Here one pass over
 * the windows, channels innermost (contiguous in NHWC), keeps the running maximum per channel.
 */
import * as tf from '@tensorflow/tfjs';
import { builtinKernel, type WasmKernelArgs } from './builtins.js';

/** dx (zeroed, x's shape) += dy routed to each window's first maximum. NHWC, no dilation. */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const best = new Float32Array(C);
  const arg = new Int32Array(C);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = Math.max(0, oy * strideHeight - top);
      const y1 = Math.min(inHeight, oy * strideHeight - top + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = Math.max(0, ox * strideWidth - left);
        const x1 = Math.min(inWidth, ox * strideWidth - left + filterWidth);
        best.fill(-Infinity);
        arg.fill(-1);
        for (let y = y0; y < y1; y++) {
          for (let xx = x0; xx < x1; xx++) {
            const base = ((b * inHeight + y) * inWidth + xx) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c] || arg[c] < 0) {
                best[c] = v;
                arg[c] = base + c;
              }
            }
          }
        }
        const o = ((b * outHeight + oy) * outWidth + ox) * C;
        for (let c = 0; c < C; c++) if (arg[c] >= 0) dx[arg[c]] += dy[o + c];
      }
    }
  }
}

/** Kernel function for `MaxPoolGrad` (inputs dy, input, output; attrs filterSize, strides, pad, dimRoundingMode). */
export function maxPoolGradKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.input as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const a = attrs as unknown as tf.MaxPoolGradAttrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return builtinKernel('MaxPoolGrad')(args);
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const out = backend.makeOutput(x.shape, 'float32');
  // Views after makeOutput: allocating may grow (and so detach) the heap.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  maxPoolGradInto(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(dy) as Float32Array, dx, info);
  return out;
}
