import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistPaths, loadFashionMnist, type FashionMnistPaths } from '../../tools/datasets/fashion-mnist.js';
import { whenDebian, type Maybe } from './debian-skip.js';

describe('Fashion-MNIST from Debian', () => {
  let paths: Maybe<FashionMnistPaths> = {};
  beforeAll(async () => {
    paths = await whenDebian('Fashion-MNIST', () => fashionMnistPaths());
  }, 600_000);

  it('finds the four gzip IDX files', (ctx) => {
    if (!paths.value) return ctx.skip(paths.skip);
    for (const p of Object.values(paths.value)) {
      expect(p).toMatch(/usr\/share\/datasets\/fashion-mnist\/(train|t10k)-(images-idx3|labels-idx1)-ubyte\.gz$/);
      expect(existsSync(p)).toBe(true);
    }
  });

  it('loads the test split: 10,000 28x28 images, labels 0..9', async (ctx) => {
    if (!paths.value) return ctx.skip(paths.skip);
    const set = await loadFashionMnist('test');
    expect([set.n, set.h, set.w, set.c]).toEqual([10000, 28, 28, 1]);
    const truth = set.truth as Int32Array;
    // The published order of the test set starts: ankle boot, pullover, trouser, trouser, shirt.
    expect(Array.from(truth.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
    const counts = new Array(10).fill(0);
    for (const t of truth) counts[t]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('loads a prefix of the train split', async (ctx) => {
    if (!paths.value) return ctx.skip(paths.skip);
    const set = await loadFashionMnist('train', { limit: 100 });
    expect(set.n).toBe(100);
    expect(set.pixels.length).toBe(100 * 784);
    expect(Array.from((set.truth as Int32Array).subarray(0, 3))).toEqual([9, 0, 0]);
  });
});
