import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { canonicalTile } from '../../src/engine/kernels/tile.js';
import { registerWasmKernels, unregisterWasmKernels, WASM_KERNEL_REPLACEMENTS } from '../../src/engine/wasm-kernels.js';
import { conv2dCases, conv3dCases, convOutputAndGrads, expectClose, onCpuAndWasm, seededTensor } from './compare.js';
import { unregisterNativeKernels } from '../../src/engine/native-kernels.js';

beforeAll(async () => {
  // One thread: the other engine test file may run beside this one on a 2-core machine.
  await initBackend({ backend: 'wasm', wasmThreads: 1, log: () => {} });
  // These tests are of the wasm kernels (ours and the package's): the native ones, which
  // initBackend registers over them where the addon is built, have their own file.
  unregisterNativeKernels();
});

describe('Conv2D gradients on wasm match cpu', () => {
  it.each(conv2dCases)('x %j filter %j strides %j pad %j', async (xs, fs, strides, pad) => {
    const r = await onCpuAndWasm(() => convOutputAndGrads(xs, fs, strides, pad, [1, 2]));
    expectClose(`conv2d x${JSON.stringify(xs)} f${JSON.stringify(fs)} s${JSON.stringify(strides)} ${pad}`, ['y', 'dx', 'dW'], r);
  });

  it('also matches as tf.conv2dTranspose (Conv2DBackpropInput called directly)', async () => {
    const r = await onCpuAndWasm(() => [
      tf.conv2dTranspose(seededTensor([2, 4, 4, 5], 3) as tf.Tensor4D, seededTensor([3, 3, 2, 5], 4) as tf.Tensor4D, [2, 8, 8, 2], 2, 'same'),
      tf.conv2dTranspose(seededTensor([1, 3, 3, 2], 5) as tf.Tensor4D, seededTensor([4, 4, 3, 2], 6) as tf.Tensor4D, [1, 8, 8, 3], 2, 'valid'),
    ]);
    expectClose('conv2dTranspose', ['s2 same', 's2 valid'], r);
  });
});

describe('Conv3D and its gradients on wasm match cpu', () => {
  it.each(conv3dCases)('x %j filter %j strides %j pad %j', async (xs, fs, strides, pad) => {
    const r = await onCpuAndWasm(() => convOutputAndGrads(xs, fs, strides, pad, [7, 8]));
    expectClose(`conv3d x${JSON.stringify(xs)} f${JSON.stringify(fs)} s${JSON.stringify(strides)} ${pad}`, ['y', 'dx', 'dW'], r);
  });
});

describe('Tile on wasm', () => {
  it.each([
    [[2, 1, 3, 1], [2, 4, 1, 5]],
    [[1, 1, 1, 4], [3, 5, 2, 1]],
    [[3], [4]],
    [[2, 3], [1, 1]],
    [[1], [7]],
    [[2, 2, 2], [1, 3, 1]],
  ])('tiles %j by %j like cpu (float32, int32, bool)', async (shape, reps) => {
    const r = await onCpuAndWasm(() => {
      const x = seededTensor(shape, 9);
      return [
        tf.tile(x, reps),
        tf.tile(x.mul(10).round().cast('int32'), reps).cast('float32'),
        tf.tile(x.greater(0), reps).cast('float32'),
      ];
    });
    expectClose(`tile ${JSON.stringify(shape)} x ${JSON.stringify(reps)}`, ['f32', 'i32', 'bool'], r, 0);
  });

  it('simplifies shapes without changing the layout', () => {
    expect(canonicalTile([1, 1, 1, 32], [32, 32, 32, 1])).toEqual({ shape: [1, 32], reps: [32768, 1] });
    expect(canonicalTile([4, 5, 1], [1, 1, 3])).toEqual({ shape: [20, 1], reps: [1, 3] });
    expect(canonicalTile([1, 1], [1, 1])).toEqual({ shape: [1], reps: [1] });
  });
});

describe('Slice on wasm', () => {
  it.each([
    [[7], [2], [3]],
    [[4, 5], [1, 0], [2, 5]],
    [[4, 5], [1, 2], [3, -1]],
    [[3, 4, 5, 6], [1, 1, 0, 0], [2, 2, 5, 6]],
    [[3, 4, 5, 6], [0, 1, 2, 3], [3, 3, 2, 3]],
    [[2, 8, 3, 3, 4], [0, 1, 0, 0, 0], [2, 7, 3, 3, 4]],
    [[2, 3, 2, 3, 2, 3], [1, 0, 1, 1, 0, 1], [1, 3, 1, 2, 2, 2]],
  ])('slices %j at %j size %j like cpu (float32, int32, bool)', async (shape, begin, size) => {
    const r = await onCpuAndWasm(() => {
      const x = seededTensor(shape, 13);
      return [
        tf.slice(x, begin, size),
        tf.slice(x.mul(10).round().cast('int32'), begin, size).cast('float32'),
        tf.slice(x.greater(0), begin, size).cast('float32'),
      ];
    });
    expectClose(`slice ${JSON.stringify(shape)} ${JSON.stringify(begin)} ${JSON.stringify(size)}`, ['f32', 'i32', 'bool'], r, 0);
  });
});

describe('Sum and Mean on wasm', () => {
  it.each([
    [[4, 5, 6, 3], [0, 1, 2], false],
    [[4, 5, 6, 3], [1, 2], true],
    [[4, 5, 6, 3], [0], false],
    [[4, 5, 6, 3], [3], false],
    [[4, 5, 6, 3], [-2], true],
    [[7, 1, 3], [0, 1], false],
    [[2, 3], [0, 1], false],
  ] as [number[], number[], boolean][])('reduce %j over %j (keepDims %j) like cpu', async (shape, axis, keepDims) => {
    const r = await onCpuAndWasm(() => {
      const x = seededTensor(shape, 10);
      return [tf.sum(x, axis, keepDims), tf.mean(x, axis, keepDims), tf.sum(x.mul(3).round().cast('int32'), axis).cast('float32')];
    });
    expectClose(`reduce ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}`, ['sum', 'mean', 'int sum'], r);
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('matches cpu directly and as the gradient of gather', async () => {
    const r = await onCpuAndWasm(() => {
      const p = seededTensor([6, 4], 11);
      const ids = tf.tensor1d([0, 2, 2, 5, 1, -1, 9], 'int32'); // out-of-range ids are dropped
      const gatherGrad = tf.grad((q: tf.Tensor) => tf.gather(q, tf.tensor1d([0, 2, 2, 5, 1], 'int32')).square().sum())(p);
      return [tf.unsortedSegmentSum(seededTensor([7, 3], 12), ids, 6), gatherGrad];
    });
    expectClose('unsortedSegmentSum', ['direct', 'gather grad'], r);
  });
});

describe('MaxPoolGrad on wasm', () => {
  // Non-overlapping, overlapping (3x3 stride 2), padded ('same' on odd sizes), and with ties
  // (ReLU zeros: the first maximum of a window takes the gradient).
  const cases: [number[], number, number, 'same' | 'valid'][] = [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[2, 9, 7, 5], 2, 2, 'same'],
    [[1, 9, 9, 4], 3, 2, 'same'],
    [[3, 7, 7, 2], 3, 2, 'valid'],
    [[1, 6, 6, 1], 3, 1, 'same'],
  ];
  it.each(cases)('x %j window %j stride %j pad %j matches cpu', async (shape, f, s, pad) => {
    const r = await onCpuAndWasm(() => {
      const x = tf.relu(seededTensor(shape, 21));
      const w = seededTensor(tf.maxPool(x as tf.Tensor4D, f, s, pad).shape, 22);
      return [tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, f, s, pad).mul(w).sum())(x)];
    });
    expectClose(`maxPoolGrad ${JSON.stringify(shape)} ${f}/${s}/${pad}`, ['dx'], r);
  });
});

/** 2 convs (the second strided; no bias, as batch norm follows) + batch norm + dense. */
function tinyNet(): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 1] });
  let h = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({}).apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({}).apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Toy task: is the bright bar in an image horizontal (class 0) or vertical (class 1)? */
function barsBatch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const x = new Float32Array(n * 144);
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const vertical = i % 2;
    const pos = Math.floor(rnd() * 10) + 1;
    for (let r = 0; r < 12; r++) {
      for (let c = 0; c < 12; c++) {
        const onBar = vertical ? c === pos : r === pos;
        x[i * 144 + r * 12 + c] = (onBar ? 1 : 0) + 0.3 * (rnd() - 0.5);
      }
    }
    y[i * 2 + vertical] = 1;
  }
  return { x: tf.tensor4d(x, [n, 12, 12, 1]), y: tf.tensor2d(y, [n, 2]) };
}

describe('training a conv net on wasm', () => {
  it('computes the same weight gradients as cpu through conv + batch norm + dense', async () => {
    const model = tinyNet();
    const r = await onCpuAndWasm(() => {
      const { x, y } = barsBatch(8, 5);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      return model.trainableWeights.map((w) => grads[w.originalName]!);
    });
    expectClose('net weight gradients', model.trainableWeights.map((w) => w.originalName), r);
    model.dispose();
  });

  it('learns a toy task (loss falls) without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const model = tinyNet();
    const opt = tf.train.adam(0.02);
    const { x, y } = barsBatch(16, 7);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 20; step++) {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
      counts.push(tf.memory().numTensors);
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    console.log(`toy task on wasm: loss first-5 mean ${first.toFixed(4)}, last-5 mean ${last.toFixed(4)}; numTensors per step ${counts.join(',')}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(last).toBeLessThan(0.7 * first);
    // The first step creates the optimizer's slots; after that nothing may accumulate.
    expect(new Set(counts.slice(1)).size).toBe(1);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });
});

describe('StridedSlice on wasm matches cpu', () => {
  it.each([
    [[2, 6, 3, 3, 4], [0, 0, 0, 0, 0], [2, 6, 3, 3, 4], [1, 2, 1, 1, 1]], // every 2nd frame (the released network)
    [[2, 7, 3, 3, 4], [0, 1, 0, 0, 0], [2, 7, 3, 3, 4], [1, 3, 1, 1, 1]],
    [[5, 6], [1, 0], [5, 6], [2, 2]], // strided on the last axis: element by element
    [[4, 5, 6], [0, 1, 2], [4, 5, 6], [1, 1, 1]], // a simple slice: the package's path
    [[6, 4], [5, 0], [0, 4], [-2, 1]], // negative stride: the package's path
  ])('x %j begin %j end %j strides %j', async (xs, begin, end, strides) => {
    const r = await onCpuAndWasm(() => [tf.stridedSlice(seededTensor(xs, 13), begin, end, strides)]);
    expectClose(`stridedSlice ${JSON.stringify(xs)} ${JSON.stringify(strides)}`, ['y'], r, 0);
  });
});

describe('Identity on wasm', () => {
  it('shares the data instead of copying it; each tensor stays valid after the other is freed', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const buffers = tf.backend().numDataIds();
    const y = tf.clone(x); // the Identity kernel
    expect(tf.backend().numDataIds() - buffers).toBe(0); // no new buffer on the heap (the package's kernel made one)
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6]);
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(await z.data())).toEqual([1, 2, 3, 4, 5, 6]);
    z.dispose();
    const s = tf.clone(tf.tensor1d(['a'], 'string'));
    expect(await s.data()).toEqual(['a']);
  });
});

describe('registerWasmKernels', () => {
  it('is idempotent and can be undone', async () => {
    registerWasmKernels();
    registerWasmKernels();
    const ours = WASM_KERNEL_REPLACEMENTS.Tile as unknown;
    expect(tf.getKernel('Tile', 'wasm').kernelFunc).toBe(ours);
    unregisterWasmKernels();
    try {
      expect(tf.getKernel('Tile', 'wasm').kernelFunc).not.toBe(ours);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    } finally {
      registerWasmKernels();
    }
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc).toBe(WASM_KERNEL_REPLACEMENTS.Conv2DBackpropFilter as unknown);
  });
});
