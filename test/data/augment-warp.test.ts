import { describe, expect, it } from 'vitest';
import { affineWarp, randomAffine, randomSpeedPitch, speedPitchWarp } from '../../src/data/augment-warp.js';
import { seededRng } from '../../src/data/augment-rng.js';

/** A 3x3 one-channel frame holding 0..8 row-major. */
const grid = () => Float32Array.from({ length: 9 }, (_, i) => i);
const shape3 = [1, 3, 3, 1];

describe('frame warps (rotation, zoom, shift)', () => {
  it('the identity warp returns the frames', () => {
    expect(Array.from(affineWarp(grid(), shape3, 0, 1, 0, 0))).toEqual(Array.from(grid()));
  });

  it('a quarter turn moves each pixel where hand rotation puts it', () => {
    // Output (x, y) samples input (x', y') = c + R(-90°)(p - c): out row 0 is input column 0 read bottom-up.
    const out = Array.from(affineWarp(grid(), shape3, Math.PI / 2, 1, 0, 0)).map((v) => Math.round(v * 1e5) / 1e5);
    expect(out).toEqual([6, 3, 0, 7, 4, 1, 8, 5, 2]);
  });

  it('a shift of one pixel moves the content and repeats the border', () => {
    expect(Array.from(affineWarp(grid(), shape3, 0, 1, 1, 0))).toEqual([0, 0, 1, 3, 3, 4, 6, 6, 7]);
  });

  it('zoom 2 about the centre magnifies: the centre pixel fills the middle, corners sample between pixels', () => {
    const out = affineWarp(grid(), shape3, 0, 2, 0, 0);
    expect(out[4]).toBeCloseTo(4, 6);
    // Output (0, 0) centre at (0.5, 0.5) → input (1.5 + (0.5-1.5)/2) - 0.5 = 0.5 in x and y: mean of 0, 1, 3, 4.
    expect(out[0]).toBeCloseTo(2, 6);
  });

  it('warps every frame and channel alike, keeps the shape and is deterministic for a seed', () => {
    const shape = [2, 4, 4, 3];
    const frames = Float32Array.from({ length: 96 }, (_, i) => (i % 48) / 47); // frame 1 = frame 0
    const a = randomAffine(frames, shape, seededRng(3));
    const b = randomAffine(frames, shape, seededRng(3));
    expect(a.length).toBe(96);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a.subarray(48))).toEqual(Array.from(a.subarray(0, 48)));
    expect(Array.from(frames.subarray(0, 3))).toEqual([0, Math.fround(1 / 47), Math.fround(2 / 47)]); // input untouched
  });
});

describe('spectrogram warps (tempo, pitch)', () => {
  const spec = Float32Array.from({ length: 5 * 3 }, (_, i) => i); // [F=5, M=3]
  it('tempo 1 and no shift is the identity', () => {
    expect(Array.from(speedPitchWarp(spec, [5, 3], 1, 0))).toEqual(Array.from(spec));
  });

  it('tempo 2 reads frames twice as fast about the centre, clamping at the ends', () => {
    const out = speedPitchWarp(spec, [5, 3], 2, 0);
    const firstBin = [0, 1, 2, 3, 4].map((f) => out[f * 3]);
    expect(firstBin).toEqual([0, 0, 6, 12, 12]); // frames 0, 0, 2, 4, 4
  });

  it('a pitch shift of one bin moves each frame up one mel bin, repeating the lowest', () => {
    const out = speedPitchWarp(spec, [5, 3], 1, 1);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 1]);
    const half = speedPitchWarp(spec, [5, 3], 1, 0.5);
    expect(half[2]).toBeCloseTo(1.5, 6);
  });

  it('random draws stay in range and are deterministic for a seed', () => {
    const a = randomSpeedPitch(spec, [5, 3], seededRng(9));
    expect(Array.from(a)).toEqual(Array.from(randomSpeedPitch(spec, [5, 3], seededRng(9))));
    for (const v of a) expect(v >= 0 && v <= 14).toBe(true);
  });
});
