/** Test helpers: run the same computation on the cpu and wasm backends and compare. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Max |a - b| and max |a| (the reference magnitude). */
export function maxAbsError(ref: ArrayLike<number>, got: ArrayLike<number>): { err: number; mag: number } {
  expect(got.length).toBe(ref.length);
  let err = 0;
  let mag = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(ref[i]! - got[i]!));
    mag = Math.max(mag, Math.abs(ref[i]!));
  }
  return { err, mag };
}

/**
 * Runs `fn` on cpu and then on wasm (fresh tensors each time, made inside `fn`), and returns each
 * output's values per backend. Leaves wasm active.
 */
export async function onCpuAndWasm(fn: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => fn()).map((t) => {
      const v = Float32Array.from(t.dataSync());
      t.dispose();
      return v;
    });
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return { cpu, wasm };
}

/**
 * Asserts every wasm output matches cpu to `relTol` of the output's magnitude, and logs the max
 * abs error per output so the test output reports it.
 */
export function expectClose(label: string, names: string[], r: { cpu: Float32Array[]; wasm: Float32Array[] }, relTol = 1e-4): void {
  const parts = names.map((name, i) => {
    const { err, mag } = maxAbsError(r.cpu[i]!, r.wasm[i]!);
    expect(err, `${label} ${name}: max abs err ${err} vs magnitude ${mag}`).toBeLessThanOrEqual(relTol * Math.max(mag, 1e-6));
    return `${name} maxAbsErr=${err.toExponential(2)} (|ref|max=${mag.toPrecision(3)})`;
  });
  console.log(`${label}: ${parts.join(', ')}`);
}

/** Deterministic normal-ish values (sum of uniforms), so cpu and wasm see the same inputs. */
export function seededTensor(shape: number[], seed: number): tf.Tensor {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = next() + next() + next() - 1.5;
  return tf.tensor(v, shape);
}

export type Pad = 'same' | 'valid' | number;
export type Conv2DCase = [x: number[], filter: number[], strides: number | [number, number], pad: Pad];

// Odd and even sizes, batch 1 and >1, channels 1 and >1, strides 1/2/3, kernels 1..5.
export const conv2dCases: Conv2DCase[] = [
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, 'same'],
  [[1, 6, 6, 1], [3, 3, 1, 2], 2, 'same'],
  [[1, 7, 7, 1], [3, 3, 1, 1], 2, 'valid'],
  [[2, 7, 6, 3], [3, 3, 3, 4], 2, 'same'],
  [[2, 7, 6, 3], [3, 3, 3, 4], 2, 'valid'],
  [[3, 8, 8, 2], [3, 3, 2, 5], 1, 'valid'],
  [[2, 8, 8, 4], [3, 3, 4, 4], 1, 'same'],
  [[2, 9, 9, 4], [2, 2, 4, 3], 2, 'same'],
  [[2, 9, 8, 4], [1, 1, 4, 3], 2, 'valid'],
  [[1, 6, 6, 3], [5, 5, 3, 2], 2, 'same'],
  [[2, 10, 10, 3], [4, 4, 3, 2], 2, 'valid'],
  [[2, 8, 7, 3], [3, 3, 3, 2], 1, 1],
  [[2, 9, 9, 3], [3, 3, 3, 2], 2, 2],
  [[2, 5, 5, 3], [3, 3, 3, 2], 3, 'same'],
  [[2, 7, 8, 3], [3, 3, 3, 2], [1, 2], 'same'], // unequal strides: input grad falls back
];

export type Conv3DCase = [x: number[], filter: number[], strides: number | [number, number, number], pad: 'same' | 'valid'];

export const conv3dCases: Conv3DCase[] = [
  [[2, 5, 6, 6, 3], [3, 3, 3, 3, 4], 1, 'same'],
  [[2, 6, 7, 7, 2], [3, 3, 3, 2, 3], 2, 'same'],
  [[1, 5, 6, 6, 2], [2, 3, 3, 2, 3], [2, 1, 1], 'valid'],
  [[2, 4, 5, 5, 2], [3, 1, 1, 2, 2], 1, 'valid'],
  [[1, 4, 6, 6, 1], [1, 3, 3, 1, 2], [1, 2, 2], 'same'],
];

/** A convolution (conv2d for rank-4 x, conv3d for rank 5), its output and both gradients of sum(y²): [y, dx, dW]. */
export function convOutputAndGrads(xs: number[], fs: number[], strides: number | number[], pad: Pad, seeds: [number, number]): tf.Tensor[] {
  const x = seededTensor(xs, seeds[0]);
  const f = seededTensor(fs, seeds[1]);
  const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    a.rank === 5
      ? tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, strides as number | [number, number, number], pad as 'same' | 'valid')
      : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides as number | [number, number], pad);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a, b).square().sum())([x, f]);
  return [conv(x, f), dx!, dw!];
}
