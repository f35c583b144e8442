import { describe, expect, it } from 'vitest';
import {
  FLOAT64_EPS,
  getFilterbanks,
  logfbank,
  logfbankFrameCount,
  melBins,
  preemphasis,
  roundHalfUp,
  transpose,
} from '../../src/media/logfbank.js';
import { expectClose } from '../helpers/expect-close.js';

// A tiny configuration where everything can be done by hand: 16 kHz, nfft = 8 (bins of 2 kHz),
// 2 filters, frames of 8 samples (winlen 0.5 ms), no pre-emphasis unless stated.
//
// Mel points: hz2mel(8000) = 2595·log10(1 + 8000/700) = 2840.023; linspace(0, 2840.023, 4) =
// 0, 946.674, 1893.349, 2840.023 mel = 0, 921.456, 3055.884, 8000 Hz.
// Bins floor((nfft + 1)·hz / rate) = floor(9·hz / 16000) = floor(0, 0.518, 1.719, 4.5) = 0, 0, 1, 4.
// get_filterbanks' loops with b = [0, 0, 1, 4]:
//   filter 0: rising over [0, 0) = nothing (b0 = b1: no division by zero); falling over [0, 1):
//             i = 0 → (1 - 0)/(1 - 0) = 1                       → [1, 0, 0, 0, 0]
//   filter 1: rising over [0, 1): i = 0 → (0 - 0)/(1 - 0) = 0; falling over [1, 4):
//             (4 - i)/(4 - 1) = 1, 2/3, 1/3 for i = 1, 2, 3     → [0, 1, 2/3, 1/3, 0]
const tiny = { winlen: 0.0005, winstep: 0.0005, nfilt: 2, nfft: 8, preemph: 0 };

describe('logfbank helpers', () => {
  it('roundHalfUp sends halves away from zero, like decimal ROUND_HALF_UP', () => {
    expect([0.5, 1.5, 2.5, 2.4999, -2.5, 0].map(roundHalfUp)).toEqual([1, 2, 3, 2, -3, 0]);
    expect(roundHalfUp(0.02 * 24000)).toBe(480); // 480.00000000000006
    expect(roundHalfUp(0.01 * 24000)).toBe(240);
    expect(roundHalfUp(0.025 * 16000)).toBe(400);
  });

  it('frame count: 1 up to one frame, then 1 + ceil((n - len) / step)', () => {
    expect(logfbankFrameCount(24000, 480, 240)).toBe(99); // 1 + ceil(23520 / 240) = 1 + 98
    expect(logfbankFrameCount(0, 8, 4)).toBe(1);
    expect(logfbankFrameCount(8, 8, 4)).toBe(1);
    expect(logfbankFrameCount(9, 8, 4)).toBe(2);
    expect(logfbankFrameCount(12, 8, 4)).toBe(2);
    expect(logfbankFrameCount(13, 8, 4)).toBe(3); // the last frame is zero-padded
  });

  it('pre-emphasis keeps the first sample and subtracts coeff times the previous one', () => {
    expect([...preemphasis([1, 2, 3], 0.5)]).toEqual([1, 1.5, 2]);
    expectClose(preemphasis(Int16Array.from([100, 100, -100]), 0.97), [100, 3, -197], 1e-12);
    expect(preemphasis([], 0.97).length).toBe(0);
  });

  it('mel points snap to integer FFT bins, colliding bins included', () => {
    expect([...melBins(2, 8, 16000)]).toEqual([0, 0, 1, 4]);
  });

  it('get_filterbanks loops, with an empty rising edge where two bins coincide', () => {
    const fb = getFilterbanks(2, 8, 16000); // [2, 5]
    expectClose(fb, [1, 0, 0, 0, 0, 0, 1, 2 / 3, 1 / 3, 0], 1e-15);
  });

  it('the 257-filter, 1024-point bank at 24 kHz has no NaN and some empty filters', () => {
    const fb = getFilterbanks(257, 1024, 24000);
    expect(fb.length).toBe(257 * 513);
    expect(fb.every(Number.isFinite)).toBe(true);
    expect(fb.every((v) => v >= 0 && v <= 1)).toBe(true);
    const empty = Array.from({ length: 257 }, (_, j) => fb.subarray(j * 513, (j + 1) * 513).every((v) => v === 0)).filter(Boolean).length;
    expect(empty).toBeGreaterThan(0); // low filters whose three bins coincide: their energy is eps
  });

  it('highfreq above the Nyquist frequency throws, as the library asserts', () => {
    expect(() => getFilterbanks(2, 8, 16000, 0, 9000)).toThrow(/highfreq/);
  });

  it('transpose turns [frames, nfilt] into [nfilt, frames]', () => {
    expect([...transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3)]).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => transpose(new Float32Array(5), 2, 3)).toThrow(RangeError);
  });
});

describe('logfbank by hand (16 kHz, nfft 8, 2 filters)', () => {
  it('an impulse has a flat power spectrum 1/nfft: energies 1/8 and (1 + 2/3 + 1/3)/8', () => {
    const x = [1, 0, 0, 0, 0, 0, 0, 0];
    const out = logfbank(x, 16000, tiny);
    expect(out.length).toBe(2);
    expectClose(out, [Math.log(1 / 8), Math.log(2 / 8)], 1e-6);
  });

  it('an exact zero energy becomes float64 eps before the log', () => {
    // cos(πn/2) sits on bin 2 (4 kHz): X[2] = 4, power 16/8 = 2; filter 0 sees only bin 0.
    const x = Array.from({ length: 8 }, (_, n) => Math.round(Math.cos((Math.PI * n) / 2)));
    const out = logfbank(x, 16000, tiny);
    expect(out[0]).toBeCloseTo(Math.log(FLOAT64_EPS), 5); // -36.04365
    expect(out[0]).toBeCloseTo(-36.04365338911715, 5);
    expect(out[1]).toBeCloseTo(Math.log((2 * 2) / 3), 6);
  });

  it('pre-emphasis 0.97 on an impulse: |1 - 0.97 e^{-iπk/4}|² = 1.9409 - 1.94 cos(πk/4)', () => {
    const p = (k: number) => (1.9409 - 1.94 * Math.cos((Math.PI * k) / 4)) / 8;
    const out = logfbank([1, 0, 0, 0, 0, 0, 0, 0], 16000, { ...tiny, preemph: 0.97 });
    expectClose(out, [Math.log(p(0)), Math.log(p(1) + (2 / 3) * p(2) + (1 / 3) * p(3))], 1e-5);
    expect(out[0]).toBeCloseTo(Math.log(0.0009 / 8), 4); // -9.0925
  });

  it('frames step through the signal and the last one is zero-padded', () => {
    // 13 samples, frames of 8 every 8 → 1 + ceil(5/8) = 2 frames; the impulse at 12 is at offset 4 of frame 1.
    const x = new Float64Array(13);
    x[12] = 1;
    const out = logfbank(x, 16000, tiny); // [2 frames, 2 filters]
    expect(out.length).toBe(4);
    expectClose(out, [Math.log(FLOAT64_EPS), Math.log(FLOAT64_EPS), Math.log(1 / 8), Math.log(2 / 8)], 1e-5); // float32 output: ulp(36) = 4e-6
  });

  it('a frame longer than nfft is truncated to its first nfft samples', () => {
    // winlen 1 ms = 16 samples > nfft 8: an impulse at 8 is cut away, one at 0 is kept.
    const late = new Float64Array(16);
    late[8] = 1;
    expectClose(logfbank(late, 16000, { ...tiny, winlen: 0.001 }), [Math.log(FLOAT64_EPS), Math.log(FLOAT64_EPS)], 1e-5);
    const early = new Float64Array(16);
    early[0] = 1;
    expectClose(logfbank(early, 16000, { ...tiny, winlen: 0.001 }), [Math.log(1 / 8), Math.log(2 / 8)], 1e-6);
  });

  it('scales as power: doubling the signal adds ln 4 to every non-empty filter', () => {
    const x = Array.from({ length: 64 }, (_, n) => Math.round(1000 * Math.sin(n * 0.7)));
    const a = logfbank(x, 16000, { ...tiny, preemph: 0.97 });
    const b = logfbank(x.map((v) => 2 * v), 16000, { ...tiny, preemph: 0.97 });
    expectClose(b.map((v, i) => v - a[i]), new Array(a.length).fill(Math.log(4)), 1e-5);
  });

  it('gives [99, 257] for one second at 24 kHz with the SeLaVi settings', () => {
    const x = Int16Array.from({ length: 24000 }, (_, n) => Math.round(3000 * Math.sin((2 * Math.PI * 440 * n) / 24000)));
    const out = logfbank(x, 24000, { winlen: 0.02, winstep: 0.01, nfilt: 257, nfft: 1024 });
    expect(out.length).toBe(99 * 257);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('throws for an nfft fft.js cannot do and for a window under one sample', () => {
    expect(() => logfbank([1, 2, 3], 16000, { nfft: 500 })).toThrow(/power of two/);
    expect(() => logfbank([1, 2, 3], 16000, { winlen: 0.00001 })).toThrow(/>= 1 sample/);
    expect(() => logfbank([1, 2, 3], 16000, { nfilt: 0 })).toThrow(/nfilt/);
  });
});
