/**
 * The parameters of a model as named tf.Variables: trainable weights plus non-trainable state
 * (batch-norm running statistics). Weights are initialised from our seeded Rng (not tf's global
 * random state), so a run is reproducible on any backend, and saved/loaded as one flat
 * float32 blob with a JSON list of names and shapes.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors.js';
import type { Rng } from '../util/rng.js';

/** Shapes and order of the saved tensors. */
export interface ParamManifest {
  names: string[];
  shapes: number[][];
  trainable: boolean[];
}

/** Named variables of one model. Owns them: call `dispose()` when done. */
export class ParamStore {
  /** `kernel`: made by weight() (a conv or dense kernel, which weight decay shrinks; not biases or BN). */
  private readonly vars = new Map<string, { v: tf.Variable; trainable: boolean; kernel: boolean }>();

  constructor(private readonly rng: Rng) {}

  /** He-normal weights (for ReLU nets): N(0, 2/fanIn). Created once, then returned by name. */
  weight(name: string, shape: number[], fanIn: number): tf.Variable {
    return this.getOrCreate(name, shape, true, true, () => {
      const sd = Math.sqrt(2 / fanIn);
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = sd * this.rng.normal();
      return data;
    });
  }

  /** A trainable tensor filled with a constant (biases 0, BN gamma 1). */
  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    return this.getOrCreate(name, shape, trainable, false, () => new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));
  }

  private getOrCreate(name: string, shape: number[], trainable: boolean, kernel: boolean, init: () => Float32Array): tf.Variable {
    const found = this.vars.get(name);
    if (found) return found.v;
    // tf's own variable names must be unique per process: let tf name them; ours key the map.
    const v = tf.tidy(() => tf.variable(tf.tensor(init(), shape), trainable));
    this.vars.set(name, { v, trainable, kernel });
    return v;
  }

  /** Trainable variables, in creation order (stable: the optimizer state is saved in this order). */
  trainable(): tf.Variable[] {
    return [...this.vars.values()].filter((e) => e.trainable).map((e) => e.v);
  }

  /** The conv and dense kernels (weight-decay targets), in creation order. */
  kernels(): tf.Variable[] {
    return [...this.vars.values()].filter((e) => e.kernel).map((e) => e.v);
  }

  /** Number of trainable scalars. */
  size(): number {
    return this.trainable().reduce((s, v) => s + v.size, 0);
  }

  /** All values as one Float32Array plus the manifest to read it back. */
  async save(): Promise<{ manifest: ParamManifest; data: Float32Array }> {
    const entries = [...this.vars.entries()];
    const total = entries.reduce((s, [, e]) => s + e.v.size, 0);
    const data = new Float32Array(total);
    let offset = 0;
    for (const [, e] of entries) {
      data.set(await e.v.data<'float32'>(), offset);
      offset += e.v.size;
    }
    return {
      manifest: { names: entries.map(([n]) => n), shapes: entries.map(([, e]) => e.v.shape), trainable: entries.map(([, e]) => e.trainable) },
      data,
    };
  }

  /** Sets one existing variable (e.g. a released model's head, to start from). */
  set(name: string, data: Float32Array, source: string): void {
    const entry = this.vars.get(name);
    if (!entry) throw new CheckpointError(source, `parameter ${name} does not exist in this model`);
    if (entry.v.size !== data.length) throw new CheckpointError(source, `parameter ${name} has ${entry.v.size} values, ${data.length} given`);
    tf.tidy(() => entry.v.assign(tf.tensor(data, entry.v.shape)));
  }

  /** Loads saved values into existing variables (the model must be built first, with the same config). */
  load(manifest: ParamManifest, data: Float32Array, source: string): void {
    let offset = 0;
    manifest.names.forEach((name, i) => {
      const entry = this.vars.get(name);
      const shape = manifest.shapes[i];
      const size = shape.reduce((a, b) => a * b, 1);
      if (!entry) throw new CheckpointError(source, `saved parameter ${name} does not exist in this model (different configuration?)`);
      if (entry.v.shape.join('x') !== shape.join('x')) {
        throw new CheckpointError(source, `parameter ${name} has shape ${shape.join('x')} on disk but ${entry.v.shape.join('x')} in the model`);
      }
      tf.tidy(() => entry.v.assign(tf.tensor(data.subarray(offset, offset + size), shape)));
      offset += size;
    });
    if (manifest.names.length !== this.vars.size) {
      throw new CheckpointError(source, `checkpoint has ${manifest.names.length} parameters, model has ${this.vars.size}`);
    }
  }

  dispose(): void {
    for (const e of this.vars.values()) e.v.dispose();
    this.vars.clear();
  }
}
