/**
 * The native (oneDNN) kernels against the cpu backend's, on the geometries the wasm replacements
 * are tested on (padding, strides, odd sizes, batch 1), within 1e-4 of each output's magnitude.
 * Skipped, saying why, where the addon is not built (no g++ or libdnnl-dev: `make native`).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';
import { nativeKernelState, registerNativeKernels, unregisterNativeKernels } from '../../src/engine/native-kernels.js';
import { nativeKernels } from '../../src/engine/kernels/native.js';
import type { NativeAddon } from '../../src/engine/native-addon.js';
import type { WasmKernelArgs } from '../../src/engine/kernels/builtins.js';
import { batchNormTrain, hasBatchNormTrain } from '../../src/models/batch-norm-train.js';
import { conv2dCases, conv3dCases, convOutputAndGrads, expectClose, onCpuAndWasm, seededTensor } from './compare.js';

const load = loadNativeAddon();
const why = load.addon ? '' : ` (skipped: native addon ${'reason' in load ? load.reason : ''})`;

describe('loading the native addon', () => {
  it('says why it is absent, and SELAVI_NATIVE=0 turns it off', () => {
    expect(loadNativeAddon({ SELAVI_NATIVE: '0' })).toEqual({ reason: 'turned off by SELAVI_NATIVE=0' });
    expect((loadNativeAddon({}, '/nonexistent/selavi_native.node') as { reason: string }).reason).toMatch(/^not built \(make native/);
  });
});

describe('a native kernel that fails', () => {
  it('hands that call and every later one to the kernel before it, saying so once', async () => {
    await initBackend({ backend: 'wasm', wasmThreads: 1, log: () => {} });
    const backend = tf.backend() as unknown as WasmKernelArgs['backend'];
    const addon = { convForward: () => { throw new Error('oneDNN: could not create a primitive'); } } as unknown as NativeAddon;
    const calls: string[] = [];
    const warnings: string[] = [];
    const previous = (name: string) => (args: WasmKernelArgs) => {
      calls.push(name);
      return tf.getKernel(name, 'wasm')!.kernelFunc(args as never) as tf.TensorInfo;
    };
    const conv = nativeKernels(addon, previous, (l) => warnings.push(l)).Conv2D!;
    const x = tf.ones([1, 4, 4, 1]);
    const w = tf.ones([3, 3, 1, 1]);
    const ids = backend.numDataIds();
    const args = { inputs: { x, filter: w }, backend, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 } } as unknown as WasmKernelArgs;
    const first = conv(args);
    expect(backend.numDataIds() - ids).toBe(1); // the native output was freed; only the fallback's remains
    const second = conv(args);
    expect(calls).toEqual(['Conv2D', 'Conv2D']);
    expect(warnings).toEqual(['native kernel Conv2D failed (oneDNN: could not create a primitive): it runs on wasm from now on']);
    expect(Array.from(backend.typedArrayFromHeap(first) as Float32Array)).toEqual([4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
    backend.disposeData(first.dataId);
    backend.disposeData(second.dataId);
  });
});

describe.skipIf(!load.addon)(`native kernels on the wasm backend match cpu${why}`, () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', wasmThreads: 1, log: () => {} });
    registerNativeKernels();
  });
  afterAll(() => unregisterNativeKernels());

  it('are registered for the kernels training runs, and name their engine', () => {
    const state = nativeKernelState();
    expect(state?.engine).toMatch(/^oneDNN \d+\.\d+\.\d+/);
    expect(state?.engine === undefined ? [] : state.kernels).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Conv3D', 'MaxPool', 'MaxPoolGrad', 'Maximum', 'Sub', 'BatchMatMul', 'FusedConv2D']));
  });

  it.each(conv2dCases)('conv2d x %j filter %j strides %j pad %j: output and both gradients', async (xs, fs, strides, pad) => {
    const r = await onCpuAndWasm(() => convOutputAndGrads(xs, fs, strides, pad, [1, 2]));
    expectClose(`native conv2d x${JSON.stringify(xs)} f${JSON.stringify(fs)}`, ['y', 'dx', 'dW'], r);
  });

  it.each(conv2dCases)('fused conv2d (bias, then ReLU or none) x %j filter %j strides %j pad %j', async (xs, fs, strides, pad) => {
    const r = await onCpuAndWasm(() => {
      const x = seededTensor(xs, 1) as tf.Tensor4D;
      const f = seededTensor(fs, 2) as tf.Tensor4D;
      const bias = seededTensor([fs[3]], 3) as tf.Tensor1D;
      const conv = (activation: 'relu' | 'linear') => tf.fused.conv2d({ x, filter: f, strides, pad, bias, activation });
      return [conv('relu'), conv('linear')];
    });
    expectClose(`native fused conv2d x${JSON.stringify(xs)} f${JSON.stringify(fs)}`, ['relu', 'linear'], r);
  });

  it.each(conv3dCases)('conv3d x %j filter %j strides %j pad %j: output and both gradients', async (xs, fs, strides, pad) => {
    const r = await onCpuAndWasm(() => convOutputAndGrads(xs, fs, strides, pad, [1, 2]));
    expectClose(`native conv3d x${JSON.stringify(xs)} f${JSON.stringify(fs)}`, ['y', 'dx', 'dW'], r);
  });

  it.each([[[64, 8, 8, 16]], [[2, 3, 5, 7]], [[2, 1, 1, 4]], [[3, 40, 6]]])('batch norm with batch statistics, x %j: one kernel each way, the same as tfjs\'s composed ops', async (xs) => {
    let fused: boolean[] = [];
    const r = await onCpuAndWasm(() => {
      const c = xs[xs.length - 1];
      const x = seededTensor(xs, 5).mul(3).add(1);
      const gamma = seededTensor([c], 6).add(1) as tf.Tensor1D;
      const beta = seededTensor([c], 7) as tf.Tensor1D;
      const w = seededTensor(xs, 8);
      fused.push(hasBatchNormTrain());
      const bn = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        if (hasBatchNormTrain()) return batchNormTrain(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
        const { mean, variance } = tf.moments(a, xs.slice(0, -1).map((_, i) => i));
        return { y: tf.batchNorm(a, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5), mean, variance };
      };
      const kept: tf.Tensor[] = [];
      const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const out = bn(a, g, b);
        kept.push(out.mean, out.variance); // kept by the fused op: freed here
        return out.y.mul(w).sum();
      })([x, gamma, beta]);
      if (hasBatchNormTrain()) tf.dispose(kept);
      const { y, mean, variance } = bn(x, gamma, beta);
      return [y, mean, variance, dx!, dg!, db!];
    });
    expect(fused).toEqual([false, true]); // cpu composes, wasm runs the native kernels
    expectClose(`native batch norm x${JSON.stringify(xs)}`, ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'], r);
  });

  it.each([
    [[32, 99, 40], [32, 1, 1]],
    [[2, 4, 5, 6, 3], [2, 1, 1, 1, 3]],
    [[64, 8, 8, 16], [16]],
    [[16], [4, 16]],
    [[3, 1], [1, 5]],
    [[2, 3], []],
  ])('add, sub, mul, div, max, min broadcasting %j with %j', async (as, bs) => {
    const r = await onCpuAndWasm(() => {
      const a = seededTensor(as, 9);
      const b = seededTensor(bs, 10).add(as.length === 3 && as[0] === 32 ? 0 : 2); // no division by ~0
      return [tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.div(a, b), tf.maximum(a, b), tf.minimum(a, b), tf.sub(b, a), tf.maximum(b, a)];
    });
    expectClose(`native broadcast ${JSON.stringify(as)} ${JSON.stringify(bs)}`, ['add', 'sub', 'mul', 'div', 'max', 'min', 'b-a', 'max(b,a)'], r);
  });

  it.each([
    [[32, 128], [128, 10], false, false],
    [[32, 128], [10, 128], false, true],
    [[128, 32], [128, 10], true, false],
    [[7, 5], [3, 7], true, true],
    [[1, 4, 6], [1, 6, 5], false, false],
    [[2, 4, 6], [2, 6, 5], false, false], // batched: the package's kernel
  ] as const)('matMul %j x %j (transpose a %s, b %s), and the gradients of a dense layer', async (as, bs, ta, tb) => {
    const r = await onCpuAndWasm(() => {
      const a = seededTensor([...as], 11);
      const b = seededTensor([...bs], 12);
      const mm = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb);
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => mm(x, y).square().sum())([a, b]);
      return [mm(a, b), da!, db!];
    });
    expectClose(`native matMul ${JSON.stringify(as)} ${JSON.stringify(bs)}`, ['c', 'da', 'db'], r);
  });

  it('max and min keep NaN, as the package\'s kernels do', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d([NaN, 1, 2, 3], [2, 2]);
    const b = tf.tensor1d([0, NaN]);
    expect(Array.from(await tf.maximum(a, b).data()).map(String)).toEqual(['NaN', 'NaN', '2', 'NaN']);
    expect(Array.from(await tf.minimum(b, a).data()).map(String)).toEqual(['NaN', 'NaN', '0', 'NaN']);
  });

  it.each([
    [[1, 4, 4, 1], 2, 2, 'valid'],
    [[2, 7, 7, 3], 2, 2, 'valid'],
    [[2, 7, 6, 3], 3, 2, 'same'],
    [[1, 8, 8, 4], 3, 1, 'same'],
  ] as const)('max pool x %j size %j stride %j pad %j, ties from a ReLU included', async (xs, size, stride, pad) => {
    const r = await onCpuAndWasm(() => {
      // ReLU'd inputs: windows of zeros, where the gradient's place depends on the tie rule.
      const x = tf.relu(seededTensor([...xs], 3)) as tf.Tensor4D;
      const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, size, stride, pad);
      const dy = seededTensor(pool(x).shape, 4);
      const dx = tf.grad((a: tf.Tensor) => pool(a).mul(dy).sum())(x);
      return [pool(x), dx];
    });
    expectClose(`native maxPool x${JSON.stringify(xs)}`, ['y', 'dx'], r);
  });
});
