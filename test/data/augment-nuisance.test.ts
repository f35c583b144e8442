import { describe, expect, it } from 'vitest';
import { backgroundNoise, frameNuisance, spectrogramNuisance } from '../../src/data/augment-nuisance.js';
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

describe('backgroundNoise', () => {
  // A flat spectrogram of power 1e-2 in every bin: the added noise's mean power is the clip's mean
  // power over 10^(SNR/10), times E|1 + 0.5 g| ≈ 1.0017 (g ~ N(0,1)), whatever the tilt.
  const f = 200;
  const m = 40;
  const spec = new Float32Array(f * m).fill(Math.log(1e-2 + 1e-6));
  const meanPower = (s: Float32Array) => s.reduce((a, v) => a + Math.exp(v) - 1e-6, 0) / s.length;
  for (const [snr, ratio] of [[0, 2.0017], [10, 1.10017], [20, 1.010017]] as const) {
    it(`adds noise at ${snr} dB: mean power × ${ratio.toFixed(3)} (±3%), input untouched`, () => {
      const before = spec.slice();
      const out = backgroundNoise(spec, [f, m], seededRng(snr + 1), [snr, snr]);
      expect(meanPower(out) / meanPower(spec)).toBeCloseTo(ratio, 1);
      expect(Math.abs(meanPower(out) / meanPower(spec) / ratio - 1)).toBeLessThan(0.03);
      expect(spec).toEqual(before);
    });
  }

  it('is what spectrogramNuisance adds before its masks (same draws)', () => {
    const noisy = backgroundNoise(spec, [f, m], seededRng(7), [-5, 20]);
    const full = spectrogramNuisance(spec, [f, m], seededRng(7), { maskFrac: 0 });
    expect(full).toEqual(noisy);
  });
});
