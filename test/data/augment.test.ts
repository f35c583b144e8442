import { describe, expect, it } from 'vitest';
import {
  audioGain,
  augmentClip,
  colorJitter,
  horizontalFlip,
  randomClipStart,
  randomHorizontalFlip,
  randomResizedCrop,
  specNoise,
  specTimeShift,
} from '../../src/data/augment.js';
import { seededRng } from '../../src/data/augment-rng.js';
import type { DecodedClip } from '../../src/data/types.js';

const T = 3, S = 8, F = 10, M = 4;
const frameShape = [T, S, S, 3] as [number, number, number, 3];
const specShape = [F, M] as [number, number];

function clip(): DecodedClip {
  const frames = Float32Array.from({ length: T * S * S * 3 }, (_, i) => (i % 97) / 96);
  const spec = Float32Array.from({ length: F * M }, (_, i) => Math.log(1 + i) - 3);
  return { path: 'x.mp4', start: 0, frames, frameShape, spec, specShape, hasAudio: true };
}

describe('augmentations', () => {
  const cases: [string, (c: DecodedClip, seed: number) => Float32Array][] = [
    ['randomResizedCrop', (c, s) => randomResizedCrop(c.frames, c.frameShape, seededRng(s))],
    ['randomHorizontalFlip', (c, s) => randomHorizontalFlip(c.frames, c.frameShape, seededRng(s))],
    ['colorJitter', (c, s) => colorJitter(c.frames, c.frameShape, seededRng(s), { invert: 0.5 })],
    ['audioGain', (c, s) => audioGain(c.spec, seededRng(s))],
    ['specNoise', (c, s) => specNoise(c.spec, seededRng(s))],
    ['specTimeShift', (c, s) => specTimeShift(c.spec, c.specShape, seededRng(s), 3)],
  ];

  for (const [name, fn] of cases) {
    it(`${name}: shape-preserving, pure, deterministic for a seed`, () => {
      const c = clip();
      const before = { frames: c.frames.slice(), spec: c.spec.slice() };
      const a = fn(c, 7);
      const b = fn(c, 7);
      const isFrames = a.length === c.frames.length;
      expect(a.length).toBe(isFrames ? T * S * S * 3 : F * M);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(c.frames)).toEqual(Array.from(before.frames)); // input untouched
      expect(Array.from(c.spec)).toEqual(Array.from(before.spec));
      if (isFrames) {
        expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...a)).toBeLessThanOrEqual(1);
      }
      // some seed changes the output (the augmentation is not a no-op)
      const differs = [1, 2, 3, 4, 5].some((s) => Array.from(fn(c, s)).some((v, i) => v !== a[i]));
      expect(differs).toBe(true);
    });
  }

  it('horizontalFlip mirrors columns and is its own inverse', () => {
    const c = clip();
    const f = horizontalFlip(c.frames, frameShape);
    expect(Array.from(f.subarray(0, 3))).toEqual(Array.from(c.frames.subarray((S - 1) * 3, S * 3)));
    expect(Array.from(horizontalFlip(f, frameShape))).toEqual(Array.from(c.frames));
  });

  it('a full-frame crop is the identity; colour jitter with invert=1 and no contrast/brightness inverts', () => {
    const c = clip();
    const full = randomResizedCrop(c.frames, frameShape, seededRng(1), { scale: [1, 1], ratio: [1, 1] });
    full.forEach((v, i) => expect(v).toBeCloseTo(c.frames[i], 6));
    const inv = colorJitter(c.frames, frameShape, seededRng(1), { invert: 1, contrast: 0, brightness: 0 });
    inv.forEach((v, i) => expect(v).toBeCloseTo(1 - c.frames[i], 6));
  });

  it('gain adds 2 ln g to loud bins and keeps silence at log(1e-6); time shift is a roll', () => {
    const spec = Float32Array.from([Math.log(1e-6), 2, 5]);
    const out = audioGain(spec, () => 1 - 1e-12, { maxDb: 6 }); // ≈ +6 dB -> power x 3.98
    expect(out[0]).toBeCloseTo(Math.log(1e-6), 5);
    expect(out[2] - spec[2]).toBeCloseTo(Math.log(10 ** 0.6), 4);
    const rolled = specTimeShift(clip().spec, specShape, () => 0.99, 2); // k = +2
    expect(Array.from(rolled.subarray(2 * M, 3 * M))).toEqual(Array.from(clip().spec.subarray(0, M)));
  });

  it('random clip start stays inside the video; augmentClip composes and is deterministic', () => {
    const rng = seededRng(3);
    for (let i = 0; i < 100; i++) {
      const s = randomClipStart(10, 2, rng);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(8);
    }
    expect(randomClipStart(1, 2, rng)).toBe(0);
    const a = augmentClip(clip(), seededRng(11));
    const b = augmentClip(clip(), seededRng(11));
    expect(a.frameShape).toEqual(frameShape);
    expect(a.specShape).toEqual(specShape);
    expect(Array.from(a.frames)).toEqual(Array.from(b.frames));
    expect(Array.from(a.spec)).toEqual(Array.from(b.spec));
    const none = augmentClip(clip(), seededRng(11), { crop: false, flip: false, color: false, gain: false, noise: false, timeShift: false });
    expect(Array.from(none.frames)).toEqual(Array.from(clip().frames));
  });

  it('adds background noise only when asked, to the spectrogram alone: every bin louder, frames untouched', () => {
    const off = { crop: false, flip: false, color: false, gain: false, noise: false, timeShift: false } as const;
    const quiet = augmentClip(clip(), seededRng(3), off);
    const noisy = augmentClip(clip(), seededRng(3), { ...off, background: { snrDb: [0, 0] } });
    expect(Array.from(quiet.spec)).toEqual(Array.from(clip().spec));
    expect(Array.from(noisy.frames)).toEqual(Array.from(clip().frames));
    // Noise adds power: every log-mel bin rises (none falls).
    noisy.spec.forEach((v, i) => expect(v).toBeGreaterThan(clip().spec[i]));
  });
});
