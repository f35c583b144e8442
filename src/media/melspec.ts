/**
 * Log-mel spectrogram in TypeScript (pure: samples in, [F, M] out).
 *
 * Choices, fixed so training and evaluation always agree:
 * - Framing is Kaldi-style, without centre padding: frame f covers samples
 *   [f*hop, f*hop + win), so F = 1 + floor((N - win) / hop) (N < win is zero-padded to one frame).
 * - Window: periodic Hann of `winLength` samples, w[n] = 0.5 - 0.5 cos(2πn / win), placed at the
 *   start of an `nFft`-point buffer (zero-padded after; the position only changes phase, not power).
 * - Spectrum: power |X[k]|², k = 0..nFft/2, via fft.js `realTransform` (real-input radix-4 FFT).
 * - Mel scale: HTK, mel(f) = 2595 log10(1 + f / 700). Filters are triangles with peak 1 at their
 *   centre (HTK/Kaldi style, NOT Slaney area-normalised), edges M+2 points equally spaced in mel
 *   between fMin and fMax, evaluated at the FFT bin frequencies k * sr / nFft.
 * - Log: natural log(mel + logOffset), logOffset = 1e-6 by default, so digital silence is
 *   ln(1e-6) ≈ -13.8 and a gain g on the waveform adds ≈ 2 ln g (power) to every loud bin.
 */
import FFT from 'fft.js';
import { specFrameCount } from './spec-frames.js';

/** Spectrogram parameters. Defaults: 16 kHz, 25 ms window, 10 ms hop, 64 mel bins, HTK mel. */
export interface MelSpecOptions {
  /** Sample rate of the input, Hz. */
  sampleRate: number;
  /** Window length in samples (25 ms at 16 kHz = 400). */
  winLength: number;
  /** Hop in samples (10 ms at 16 kHz = 160). */
  hopLength: number;
  /** Number of mel bins M. */
  nMels: number;
  /** FFT size, a power of two ≥ winLength; default: the next power of two (512 for 400). */
  nFft?: number;
  /** Lowest filter edge, Hz (default 0). */
  fMin?: number;
  /** Highest filter edge, Hz (default sampleRate / 2). */
  fMax?: number;
  /** Added before the log so silence stays finite (default 1e-6). */
  logOffset?: number;
}

/** Default spectrogram options for 16 kHz audio: 25 ms / 10 ms / 64 mels. */
export const DEFAULT_MELSPEC: MelSpecOptions = { sampleRate: 16_000, winLength: 400, hopLength: 160, nMels: 64 };

/** HTK mel of a frequency in Hz. */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

/** Inverse of {@link hzToMel}. */
export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** Smallest power of two ≥ n (and ≥ 2, fft.js's minimum). */
export function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

export { specFrameCount };

/** One triangular filter, stored sparsely: weights for bins start .. start + weights.length - 1. */
export interface MelFilter {
  start: number;
  weights: Float32Array;
  /** Edges in Hz: left, centre, right. */
  lo: number;
  centre: number;
  hi: number;
}

/** The HTK triangular mel filterbank for an `nFft`-point spectrum (nFft/2 + 1 bins). */
export function melFilterbank(sampleRate: number, nFft: number, nMels: number, fMin = 0, fMax = sampleRate / 2): MelFilter[] {
  if (!(fMax > fMin && fMin >= 0 && fMax <= sampleRate / 2)) {
    throw new RangeError(`mel range must satisfy 0 <= fMin < fMax <= sampleRate/2, got ${fMin}..${fMax}`);
  }
  const nBins = nFft / 2 + 1;
  const mLo = hzToMel(fMin);
  const mHi = hzToMel(fMax);
  const edges: number[] = [];
  for (let i = 0; i < nMels + 2; i++) edges.push(melToHz(mLo + ((mHi - mLo) * i) / (nMels + 1)));
  const filters: MelFilter[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m];
    const centre = edges[m + 1];
    const hi = edges[m + 2];
    const w: number[] = [];
    let start = -1;
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft;
      const v = Math.max(0, Math.min((f - lo) / (centre - lo), (hi - f) / (hi - centre)));
      // > 1e-9, not > 0: the last edge is 8000.000000000002 after mel->Hz, not an intended weight.
      if (v > 1e-9) {
        if (start < 0) start = k;
        // Bins inside the support are contiguous; fill any (impossible) gap with zeros.
        while (start + w.length < k) w.push(0);
        w.push(v);
      }
    }
    filters.push({ start: Math.max(0, start), weights: Float32Array.from(w), lo, centre, hi });
  }
  return filters;
}

/** Periodic Hann window of length n. */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** A ready spectrogram function: all tables (window, FFT, filters) built once. */
export type MelSpecFn = (samples: Float32Array) => Float32Array;

/**
 * Builds `samples -> log-mel [F, M]` for fixed options. The returned function is pure (same input,
 * same output); it reuses scratch buffers, so it is not re-entrant, which is fine in one JS thread.
 */
export function createMelSpectrogram(opts: MelSpecOptions): MelSpecFn {
  const { sampleRate, winLength, hopLength, nMels } = opts;
  const nFft = opts.nFft ?? nextPow2(winLength);
  const logOffset = opts.logOffset ?? 1e-6;
  if (!(winLength >= 1 && hopLength >= 1 && nMels >= 1)) throw new RangeError('winLength, hopLength and nMels must be >= 1');
  if (nFft < winLength || (nFft & (nFft - 1)) !== 0) throw new RangeError(`nFft must be a power of two >= winLength, got ${nFft}`);
  const window = hannWindow(winLength);
  const filters = melFilterbank(sampleRate, nFft, nMels, opts.fMin ?? 0, opts.fMax ?? sampleRate / 2);
  const fft = new FFT(nFft);
  const frame = new Float64Array(nFft);
  const spectrum = new Float64Array(2 * nFft);
  const power = new Float64Array(nFft / 2 + 1);

  return (samples: Float32Array): Float32Array => {
    const nFrames = specFrameCount(samples.length, winLength, hopLength);
    const out = new Float32Array(nFrames * nMels);
    for (let f = 0; f < nFrames; f++) {
      const off = f * hopLength;
      for (let i = 0; i < winLength; i++) {
        const j = off + i;
        frame[i] = j < samples.length ? samples[j] * window[i] : 0;
      }
      // frame[winLength..nFft) stays 0 from construction: never written.
      fft.realTransform(spectrum, frame);
      for (let k = 0; k <= nFft / 2; k++) {
        const re = spectrum[2 * k];
        const im = spectrum[2 * k + 1];
        power[k] = re * re + im * im;
      }
      const row = f * nMels;
      for (let m = 0; m < nMels; m++) {
        const { start, weights } = filters[m];
        let acc = 0;
        for (let i = 0; i < weights.length; i++) acc += weights[i] * power[start + i];
        out[row + m] = Math.log(acc + logOffset);
      }
    }
    return out;
  };
}

/** One-shot log-mel spectrogram [F, M] (builds tables each call; prefer `createMelSpectrogram` in loops). */
export function melSpectrogram(samples: Float32Array, opts: MelSpecOptions = DEFAULT_MELSPEC): Float32Array {
  return createMelSpectrogram(opts)(samples);
}
