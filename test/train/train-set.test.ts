import { describe, expect, it } from 'vitest';
import type { ClipCache } from '../../src/data/cache-reader.js';
import { clipAugment, clipCacheTrainSet, imageTrainSet } from '../../src/train/train-set.js';
import { createRng } from '../../src/util/rng.js';

/** One 8x8 gray image, bright on its left half: a crop keeps bright-left, only a mirror makes it bright-right. */
function leftBright() {
  const h = 8, w = 8;
  const pixels = Uint8Array.from({ length: h * w }, (_, p) => (p % w < w / 2 ? 255 : 0));
  return { n: 1, h, w, c: 1, pixels, names: ['left'] };
}

/** How many of `draws` augmented copies are brighter on the right edge than on the left. */
function mirrored(flip: boolean, draws: number): number {
  const set = imageTrainSet(leftBright(), { flip });
  const rng = createRng(7);
  let count = 0;
  for (let d = 0; d < draws; d++) {
    const x = set.batch([0], true, rng).image!.data;
    let left = 0, right = 0;
    for (let y = 0; y < 8; y++) {
      left += x[y * 8];
      right += x[y * 8 + 7];
    }
    if (right > left) count++;
  }
  return count;
}

describe('image augmentation flip switch', () => {
  it('mirrors about half the copies with flip on, none with it off', () => {
    const on = mirrored(true, 200);
    expect(on).toBeGreaterThan(70);
    expect(on).toBeLessThan(130);
    expect(mirrored(false, 200)).toBe(0);
  });
});

describe('clipAugment', () => {
  it('turns only the mirror off, keeping the crop', () => {
    expect(clipAugment({ flip: false }).flip).toBe(false);
    expect(clipAugment({ flip: true }).flip).toBeUndefined(); // the default: on
    expect(clipAugment({ flip: false }).crop).toEqual(clipAugment({ flip: true }).crop);
  });
});

describe('clip augmentation strength', () => {
  /** A cache of one clip whose frames are all 0.3 (a crop of it is 0.3 too). */
  function flatCache(): ClipCache {
    const frameShape: [number, number, number, 3] = [2, 8, 8, 3];
    const specShape: [number, number] = [6, 4];
    const clip = { path: 'flat.mp4', start: 0, frames: new Float32Array(2 * 8 * 8 * 3).fill(0.3), frameShape, spec: new Float32Array(24).fill(-2), specShape, hasAudio: true };
    return { size: 1, frameShape, specShape, paths: ['flat.mp4'], get: () => clip } as unknown as ClipCache;
  }

  it('light leaves a flat frame flat (no colour, polarity, noise or cutout); full does not', () => {
    const rng = createRng(3);
    const light = clipCacheTrainSet(flatCache(), ['video', 'audio'], clipAugment({ flip: false, augmentStrength: 'light' }));
    const full = clipCacheTrainSet(flatCache(), ['video', 'audio'], clipAugment({ flip: false, augmentStrength: 'full' }));
    for (let d = 0; d < 20; d++) {
      for (const v of light.batch([0], true, rng).video!.data) expect(v).toBeCloseTo(0.3, 6);
    }
    const changed = Array.from({ length: 20 }, () => full.batch([0], true, rng).video!.data.some((v) => Math.abs(v - 0.3) > 1e-3));
    expect(changed.filter(Boolean).length).toBeGreaterThan(15);
  });
});
