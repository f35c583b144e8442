/**
 * Timing of training steps and no-gradient passes for the throughput benches (train-*,
 * relabel-pass): warm-up steps first (kernel set-up, optimizer slots), then the median step.
 */
import * as tf from '@tensorflow/tfjs';
import { applyBnUpdates, type Ctx } from '../../src/models/layers.js';
import { SelaviModel, type Modality } from '../../src/models/selavi-model.js';
import { createRng } from '../../src/util/rng.js';
import { nativeKernelState, registerNativeKernels, unregisterNativeKernels } from '../../src/engine/native-kernels.js';

/** One training step's result: the loss, to be read (which waits for the step to finish). */
export type Step = () => tf.Scalar;

export interface StepTiming {
  median_step_ms: number;
  items_per_s: number;
}

/** Median ms of `steps` calls of `step` after `warmup` untimed ones; items/s from the median. */
export async function timeSteps(step: Step, batch: number, steps: number, warmup = 2): Promise<StepTiming> {
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    const loss = step();
    await loss.data();
    loss.dispose();
    if (s >= warmup) times.push(performance.now() - t0);
  }
  const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  return { median_step_ms: Number(median.toFixed(1)), items_per_s: Number(((batch * 1000) / median).toFixed(1)) };
}

/**
 * Where one step's time goes, by kernel: every kernel function of the active backend is wrapped
 * with a clock for one step (kernels run synchronously on wasm and cpu, so their wall times add
 * up; tf.profile is not used: without a backend timer it reads every output back, a copy per
 * kernel that the real step does not make). Returns the top `top` kernels as { name: ms }, their
 * total, the profiled step's wall time and what it spent outside kernels (tape, tidy, JS).
 */
export async function profileStep(step: Step, top = 8): Promise<KernelSplit> {
  return profileKernels(async () => {
    const loss = step();
    await loss.data();
    loss.dispose();
  }, top);
}

/** {@link profileStep}'s split: the top kernels, their total, the wall time and the rest. */
export interface KernelSplit {
  kernel_ms: Record<string, number>;
  kernels_total_ms: number;
  profiled_step_ms: number;
  outside_kernels_ms: number;
}

/** The same split for any piece of work on the active backend (e.g. one released-network batch). */
export async function profileKernels(work: () => Promise<void>, top = 8): Promise<KernelSplit> {
  const backendName = tf.getBackend();
  const byName = new Map<string, number>();
  const originals = tf.getKernelsForBackend(backendName);
  for (const k of originals) {
    const fn = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const t0 = performance.now();
        const out = fn(args);
        byName.set(k.kernelName, (byName.get(k.kernelName) ?? 0) + performance.now() - t0);
        return out;
      },
    });
  }
  const t0 = performance.now();
  try {
    await work();
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, backendName);
      tf.registerKernel(k);
    }
  }
  const stepMs = performance.now() - t0;
  const sorted = [...byName.entries()].sort((a, b) => b[1] - a[1]);
  const total = sorted.reduce((a, [, ms]) => a + ms, 0);
  return {
    kernel_ms: Object.fromEntries(sorted.slice(0, top).map(([n, ms]) => [n, Number(ms.toFixed(1))])),
    kernels_total_ms: Number(total.toFixed(1)),
    profiled_step_ms: Number(stepMs.toFixed(1)),
    outside_kernels_ms: Number((stepMs - total).toFixed(1)),
  };
}

/** What runs the kernels: the backend, and on wasm the native kernels' engine where they run. */
export function engineName(): string {
  const backend = tf.getBackend();
  const native = nativeKernelState();
  return backend === 'wasm' && native?.engine !== undefined ? `wasm + ${native.engine}` : backend;
}

/**
 * The same steps on the wasm kernels alone (native kernels unregistered for the measure, then put
 * back), for the native/wasm ratio of the same run; {} where no native kernels run.
 */
export async function withoutNative(step: Step, batch: number, steps: number, native: StepTiming): Promise<{ wasm_only_median_step_ms?: number; native_speedup?: number }> {
  if (tf.getBackend() !== 'wasm' || nativeKernelState()?.engine === undefined) return {};
  unregisterNativeKernels();
  try {
    const wasm = await timeSteps(step, batch, steps);
    return { wasm_only_median_step_ms: wasm.median_step_ms, native_speedup: Number((wasm.median_step_ms / native.median_step_ms).toFixed(2)) };
  } finally {
    registerNativeKernels();
  }
}

export { peakRssMb } from './peak-rss.js';

/**
 * A SeLaVi model with the `selavi cluster` / `selavi sela` default encoders (width 16, 3 heads of
 * 10, projection 128) on random inputs of these shapes: a training step (SGD momentum, cross-
 * entropy on every head of every modality, as the loop does) and a no-gradient pass (eval-mode
 * batch norm, log-softmax of every head: what a relabel pass computes per batch).
 */
export function selaviBench(shapes: Partial<Record<Modality, number[]>>, batch: number) {
  const modalities = Object.keys(shapes) as Modality[];
  const model = new SelaviModel({ modalities, width: 16, heads: [10, 10, 10], projection: 128 }, createRng(0));
  model.build(shapes);
  const optimizer = tf.train.momentum(0.05, 0.9);
  const inputsFor = (b: number) => Object.fromEntries(modalities.map((m) => [m, tf.randomUniform([b, ...shapes[m]!], 0, 1, 'float32', 1)]));
  const inputs = inputsFor(batch);
  const targets = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  const train: Step = () => {
    const ctx: Ctx = { params: model.params, training: true, bnUpdates: [] };
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(inputs, ctx);
        const terms = modalities.flatMap((m) => out[m]!.map((l) => tf.losses.softmaxCrossEntropy(targets, l) as tf.Scalar));
        return tf.addN(terms) as tf.Scalar;
      }, model.params.trainable());
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      optimizer.applyGradients(grads as any);
      return value;
    });
    applyBnUpdates(ctx);
    return loss;
  };
  /** A no-gradient pass over a batch of `b` items (its own inputs). */
  const inferenceStep = (b: number): { step: Step; dispose: () => void } => {
    const x = b === batch ? inputs : inputsFor(b);
    return {
      step: () =>
        tf.tidy(() => {
          const out = model.forward(x, { training: false, bnUpdates: [] });
          // Every head's log-probabilities, reduced to one scalar so that reading it waits for all.
          return tf.addN(modalities.flatMap((m) => out[m]!.map((l) => tf.sum(tf.logSoftmax(l))))) as tf.Scalar;
        }),
      dispose: () => {
        if (x !== inputs) tf.dispose(Object.values(x));
      },
    };
  };
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
    tf.dispose([...Object.values(inputs), targets]);
  };
  return { train, inferenceStep, dispose };
}
