import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { withWeightDecay } from '../../src/train/weight-decay.js';

describe('withWeightDecay', () => {
  it('adds wd·w to the decayed variables only', async () => {
    await tf.setBackend('cpu');
    const kernel = tf.variable(tf.tensor1d([2, -4]));
    const bias = tf.variable(tf.tensor1d([10]));
    const grads = { [kernel.name]: tf.tensor1d([1, 1]), [bias.name]: tf.tensor1d([0.5]) };
    const out = withWeightDecay(grads, [kernel], 0.1);
    expect(Array.from(await out[kernel.name].data())).toEqual([expect.closeTo(1.2, 6), expect.closeTo(0.6, 6)]);
    expect(out[bias.name]).toBe(grads[bias.name]);
    expect(withWeightDecay(grads, [kernel], 0)).toBe(grads);
    tf.dispose([kernel, bias, ...Object.values(grads), out[kernel.name]]);
  });
});
