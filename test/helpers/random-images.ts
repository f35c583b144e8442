import type { TrainSet } from '../../src/train/train-set.js';
import { createRng } from '../../src/util/rng.js';

/** `n` random 8x8 gray images: enough to run the training loop, no media needed. */
export function randomImages(n: number): TrainSet {
  const rng = createRng(1);
  const pixels = Float32Array.from({ length: n * 64 }, () => rng.next());
  return {
    n,
    names: Array.from({ length: n }, (_, i) => `img${i}`),
    shapes: { image: [8, 8, 1] },
    batch: (idx) => {
      const data = new Float32Array(idx.length * 64);
      for (let i = 0; i < idx.length; i++) data.set(pixels.subarray(idx[i] * 64, idx[i] * 64 + 64), i * 64);
      return { image: { data, shape: [idx.length, 8, 8, 1] } };
    },
  };
}
