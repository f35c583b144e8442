import { describe, expect, it } from 'vitest';
import { frameNuisance, spectrogramNuisance } from '../../src/data/augment-nuisance.js';
import { seededRng } from '../../src/data/augment-rng.js';

describe('nuisance augmentations', () => {
  it('invert polarity about half the time, keep shape and range', () => {
    const shape = [2, 8, 8, 3] as const;
    const frames = new Float32Array(2 * 8 * 8 * 3).fill(0.1);
    const rng = seededRng(1);
    let inverted = 0;
    for (let r = 0; r < 200; r++) {
      const out = frameNuisance(frames, shape, rng, { pixelNoise: 0, cutout: 0 });
      expect(out.length).toBe(frames.length);
      if (out[0] > 0.5) inverted++;
    }
    expect(inverted).toBeGreaterThan(70);
    expect(inverted).toBeLessThan(130);
    const noisy = frameNuisance(frames, shape, seededRng(2), { invert: 0, pixelNoise: 0.5, cutout: 1 });
    expect(noisy.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('cutout paints one box of one grey on every frame', () => {
    const shape = [3, 10, 10, 1] as const;
    const frames = new Float32Array(300).fill(0.5);
    const out = frameNuisance(frames, shape, seededRng(3), { invert: 0, pixelNoise: 0, cutout: 1 });
    const changed = (f: number) => Array.from(out.subarray(f * 100, f * 100 + 100)).map((v) => v !== 0.5);
    expect(changed(0)).toEqual(changed(1));
    expect(changed(0).filter(Boolean).length).toBeGreaterThan(0);
  });

  it('adds noise power (never removes it) and is deterministic for a seed', () => {
    const shape = [20, 8] as const;
    const spec = Float32Array.from({ length: 160 }, (_, i) => Math.log(1 + (i % 8)));
    const a = spectrogramNuisance(spec, shape, seededRng(4), { maskFrac: 0 });
    const b = spectrogramNuisance(spec, shape, seededRng(4), { maskFrac: 0 });
    expect(a).toEqual(b);
    for (let i = 0; i < spec.length; i++) expect(a[i]).toBeGreaterThanOrEqual(spec[i] - 1e-6);
  });
});
