import { describe, expect, it } from 'vitest';
import { linearTaps, resizeBilinear } from '../../src/media/torch-bilinear.js';
import { expectClose } from '../helpers/expect-close.js';

describe('linearTaps (align_corners False)', () => {
  it('halving: src = 2·(d + 0.5) - 0.5 = 0.5, 2.5, each between two pixels', () => {
    const t = linearTaps(4, 2);
    expect([...t.i0]).toEqual([0, 2]);
    expect([...t.i1]).toEqual([1, 3]);
    expect([...t.w0]).toEqual([0.5, 0.5]);
    expect([...t.w1]).toEqual([0.5, 0.5]);
  });

  it('doubling: src = 0.5·(d + 0.5) - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25; the last pixel pairs with itself', () => {
    const t = linearTaps(2, 4);
    expect([...t.i0]).toEqual([0, 0, 0, 1]);
    expect([...t.i1]).toEqual([1, 1, 1, 1]);
    expect([...t.w1]).toEqual([0, 0.25, 0.75, 0.25]);
    expect([...t.w0]).toEqual([1, 0.75, 0.25, 0.75]);
  });

  it('an unchanged size copies', () => {
    const t = linearTaps(3, 3);
    expect([...t.i0]).toEqual([0, 1, 2]);
    expect([...t.w0]).toEqual([1, 1, 1]);
    expect([...t.w1]).toEqual([0, 0, 0]);
  });

  it('160 -> 149 (the fixture width): float32 ratio, float64 source index', () => {
    const t = linearTaps(160, 149);
    // d = 121: 1.0738254785537720 (float32 of 160/149) · 121.5 - 0.5 = 129.9697956...
    expect(t.i0[121]).toBe(129);
    expect(t.w1[121]).toBeCloseTo(0.9697956, 6);
  });

  it('throws on a size below 1', () => {
    expect(() => linearTaps(0, 2)).toThrow(RangeError);
  });
});

describe('resizeBilinear', () => {
  it('2x2 -> 1x1 samples the centre: the mean of the four pixels', () => {
    expectClose(resizeBilinear(Float32Array.from([0, 10, 20, 30]), 2, 2, 1, 1, 1), [15], 1e-6);
  });

  it('keeps channels apart and reads through a lookup table', () => {
    // 1x2 RGB image -> 1x1: (p0 + p1) / 2 per channel after the table doubles every value
    const lut = Float32Array.from({ length: 256 }, (_, v) => 2 * v);
    expectClose(resizeBilinear(Uint8Array.from([1, 2, 3, 5, 6, 7]), 1, 2, 3, 1, 1, { lut }), [6, 8, 10], 1e-6);
  });

  it('crop returns that window of the full resize', () => {
    const src = Float32Array.from({ length: 6 * 8 }, (_, i) => (i * 37) % 11);
    const full = resizeBilinear(src, 6, 8, 1, 4, 5);
    const crop = resizeBilinear(src, 6, 8, 1, 4, 5, { crop: { top: 1, left: 2, height: 2, width: 3 } });
    expect([...crop]).toEqual([...full.slice(7, 10), ...full.slice(12, 15)]);
    expect(() => resizeBilinear(src, 6, 8, 1, 4, 5, { crop: { top: 3, left: 0, height: 2, width: 1 } })).toThrow(/does not fit/);
  });

  it('throws when the data is not height x width x channels', () => {
    expect(() => resizeBilinear(new Float32Array(5), 2, 2, 1, 1, 1)).toThrow(RangeError);
  });
});
