import { describe, expect, it } from 'vitest';
import { subjectView } from '../../src/data/subject-view.js';

/** [t, h, w, 3] frames with luminance `v` in all three channels. */
function grey(values: number[]): Float32Array {
  return Float32Array.from(values.flatMap((v) => [v, v, v]));
}

/** Channel 0 of each pixel. */
const luma = (frames: Float32Array) => Array.from(frames.filter((_, i) => i % 3 === 0));

describe('subjectView', () => {
  it('takes the plane out, scales by the spread and centres the subject (by hand, one row of five)', () => {
    // luma [0,0,0,1,0]: plane 0.2 + 0.1(x-2) → residual [0,-0.1,-0.2,0.7,-0.4], spread √0.14,
    // skew > 0 (sign +), z = r/√0.14; only x = 3 lies above one spread → shift by 1; the uncovered
    // pixel takes the median z (-0.267261); each value 0.25 + z/8.
    const out = subjectView(grey([0, 0, 0, 1, 0]), 1, 1, 5);
    const expected = [0.216592, 0.183185, 0.483854, 0.116369, 0.216592];
    luma(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    for (let i = 0; i < out.length; i += 3) expect(out[i + 1]).toBe(out[i]), expect(out[i + 2]).toBe(out[i]);
  });

  it('gives the same view of a dark subject on a light ground as of a light one on a dark ground', () => {
    const light = subjectView(grey([0, 0, 0, 1, 0]), 1, 1, 5);
    const dark = subjectView(grey([1, 1, 1, 0, 1]), 1, 1, 5);
    luma(dark).forEach((v, i) => expect(v).toBeCloseTo(luma(light)[i], 5));
  });

  const H = 9, W = 9;
  /** Two frames: a 3x3 bright square at (x0, y0) on a flat ground plus `gradient`·(x + 2y). */
  function squares(at: [number, number][], gradient = 0): Float32Array {
    const values: number[] = [];
    for (const [x0, y0] of at) {
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) values.push(0.3 + gradient * (x + 2 * y) + (x >= x0 && x < x0 + 3 && y >= y0 && y < y0 + 3 ? 0.5 : 0));
    }
    return grey(values);
  }

  it('puts the subject at the centre of every frame, wherever it was', () => {
    const out = luma(subjectView(squares([[0, 1], [5, 6]]), 2, H, W));
    for (let f = 0; f < 2; f++) {
      let mx = 0, my = 0, mass = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const m = Math.max(0, out[f * H * W + y * W + x] - 0.5);
        mx += m * x, my += m * y, mass += m;
      }
      expect(mass).toBeGreaterThan(0);
      expect(Math.abs(mx / mass - 4)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(my / mass - 4)).toBeLessThanOrEqual(0.5);
    }
  });

  it('does not see a lighting gradient', () => {
    const flat = subjectView(squares([[2, 3], [4, 1]]), 2, H, W);
    const lit = subjectView(squares([[2, 3], [4, 1]], 0.02), 2, H, W);
    lit.forEach((v, i) => expect(v).toBeCloseTo(flat[i], 5));
  });

  it('leaves a frame of one value flat, does not stretch a nearly blank one, and refuses a wrong shape', () => {
    expect(new Set(subjectView(grey(new Array(16).fill(0.7)), 1, 4, 4))).toEqual(new Set([0.25]));
    // Noise of ±0.0001 (far under one grey level) is scaled by the floor of 1/255, not by its own
    // spread: it stays within 0.25 ± 0.0001·255/8, where its own spread would stretch it to ±1/8.
    const faint = subjectView(grey(Array.from({ length: 16 }, (_, i) => 0.5 + (i % 3 === 0 ? 1e-4 : -1e-4))), 1, 4, 4);
    for (const v of faint) expect(Math.abs(v - 0.25)).toBeLessThan(0.01);
    expect(() => subjectView(new Float32Array(10), 1, 2, 2)).toThrow(/not 1 x 2 x 2 x 3/);
  });
});
