/**
 * Log mel filterbank energies exactly as python_speech_features 0.6 `logfbank` computes them: the
 * audio features of the released SeLaVi models (datasets/audio_utils.py `get_spec`, nfilt 257).
 *
 * Each step follows the Python library line for line, quirks included:
 * 1. pre-emphasis: y[0] = x[0], y[n] = x[n] - 0.97 x[n-1] (`sigproc.preemphasis`);
 * 2. framing (`sigproc.framesig`): frame length and step are round-half-up of winlen·rate and
 *    winstep·rate; frames = 1 if N <= len else 1 + ceil((N - len) / step); the signal is
 *    zero-padded to fill the last frame; the window is rectangular (winfunc = ones);
 * 3. power spectrum (`sigproc.powspec`): |rfft(frame, nfft)|² / nfft; a frame longer than nfft
 *    is truncated to its first nfft samples (the library warns and numpy truncates);
 * 4. HTK mel filterbank (`get_filterbanks`): nfilt + 2 points spaced linearly in mel between
 *    lowfreq and highfreq, snapped to INTEGER FFT bins floor((nfft + 1)·hz / rate); the triangles
 *    are built on those bins by the library's two loops. With many filters the bins collide (257
 *    filters on 513 bins at 24 kHz): a loop over an empty range writes nothing, so no division by
 *    zero ever happens, and such a filter may have a single bin or none at all;
 * 5. energies = pspec · fbankᵀ, exact zeros replaced by float64 eps (2^-52), natural log.
 * All arithmetic is float64 (as numpy), the result is narrowed to float32 (as `astype('float32')`).
 * Reference: James Lyons, python_speech_features 0.6, `base.py` and `sigproc.py`.
 */
import FFT from 'fft.js';

/** Options of {@link logfbank}; defaults are python_speech_features'. */
export interface LogfbankOptions {
  /** Window length in seconds (default 0.025). */
  winlen?: number;
  /** Step between windows in seconds (default 0.01). */
  winstep?: number;
  /** Number of mel filters (default 26). */
  nfilt?: number;
  /** FFT size; must be a power of two here, since fft.js only does those (default 512). */
  nfft?: number;
  /** Lowest filter edge in Hz (default 0). */
  lowfreq?: number;
  /** Highest filter edge in Hz (default sampleRate / 2). */
  highfreq?: number;
  /** Pre-emphasis coefficient; 0 = none (default 0.97). */
  preemph?: number;
}

/** numpy's `np.finfo(float).eps`: what a zero filterbank energy becomes before the log. */
export const FLOAT64_EPS = 2.220446049250313e-16;

/**
 * Decimal ROUND_HALF_UP of a float, as python_speech_features' `round_half_up` (halves go away
 * from zero; `Math.round` would send -2.5 to -2). Exact: x - floor(x) is exact in float64.
 * @example roundHalfUp(0.02 * 24000) // 480
 */
export function roundHalfUp(x: number): number {
  if (x < 0) return -roundHalfUp(-x);
  const f = Math.floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

/**
 * Number of frames `framesig` makes of `n` samples: 1 if n <= frameLen, else 1 + ceil((n - frameLen) / step).
 * @example logfbankFrameCount(24000, 480, 240) // 99
 */
export function logfbankFrameCount(n: number, frameLen: number, step: number): number {
  return n <= frameLen ? 1 : 1 + Math.ceil((n - frameLen) / step);
}

/**
 * Pre-emphasis y[0] = x[0], y[n] = x[n] - coeff·x[n-1], in float64.
 * @example preemphasis([1, 2, 3], 0.5) // Float64Array [1, 1.5, 2]
 */
export function preemphasis(signal: ArrayLike<number>, coeff = 0.97): Float64Array {
  const y = new Float64Array(signal.length);
  if (signal.length > 0) y[0] = signal[0];
  for (let n = 1; n < signal.length; n++) y[n] = signal[n] - coeff * signal[n - 1];
  return y;
}

/** HTK mel of a frequency in Hz (python_speech_features `hz2mel`). */
function hz2mel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

/** Inverse of {@link hz2mel} (`mel2hz`). */
function mel2hz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/**
 * The FFT bin of each of the nfilt + 2 mel points, floor((nfft + 1)·hz / rate), as float64 integers.
 * Mel points as `numpy.linspace(lowmel, highmel, nfilt + 2)`: lowmel + i·step, the last one exactly highmel.
 */
export function melBins(nfilt: number, nfft: number, sampleRate: number, lowfreq = 0, highfreq = sampleRate / 2): Float64Array {
  const lowmel = hz2mel(lowfreq);
  const highmel = hz2mel(highfreq);
  const n = nfilt + 2;
  const step = (highmel - lowmel) / (n - 1);
  const bins = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mel = i === n - 1 ? highmel : i * step + lowmel;
    bins[i] = Math.floor(((nfft + 1) * mel2hz(mel)) / sampleRate);
  }
  return bins;
}

/**
 * The filterbank `get_filterbanks` builds: float64 [nfilt, nfft/2 + 1], row j the j-th triangle.
 * Its loops, verbatim: rising weights (i - b[j]) / (b[j+1] - b[j]) for i in [b[j], b[j+1]), falling
 * weights (b[j+2] - i) / (b[j+2] - b[j+1]) for i in [b[j+1], b[j+2]). Equal bins give an empty loop.
 * @throws RangeError when highfreq > sampleRate / 2 (the library's assert).
 */
export function getFilterbanks(nfilt: number, nfft: number, sampleRate: number, lowfreq = 0, highfreq = sampleRate / 2): Float64Array {
  if (!(highfreq <= sampleRate / 2)) throw new RangeError(`logfbank: highfreq ${highfreq} is greater than sampleRate/2 (${sampleRate / 2})`);
  const b = melBins(nfilt, nfft, sampleRate, lowfreq, highfreq);
  const nBins = Math.floor(nfft / 2) + 1;
  const fbank = new Float64Array(nfilt * nBins);
  // numpy would raise on an index past the last bin; only reachable with lowfreq/highfreq out of range.
  const set = (j: number, i: number, v: number) => {
    if (i < 0 || i >= nBins) throw new RangeError(`logfbank: filter ${j} reaches bin ${i} outside 0..${nBins - 1}`);
    fbank[j * nBins + i] = v;
  };
  for (let j = 0; j < nfilt; j++) {
    for (let i = b[j]; i < b[j + 1]; i++) set(j, i, (i - b[j]) / (b[j + 1] - b[j]));
    for (let i = b[j + 1]; i < b[j + 2]; i++) set(j, i, (b[j + 2] - i) / (b[j + 2] - b[j + 1]));
  }
  return fbank;
}

/**
 * Log mel filterbank energies of `signal` (raw sample values, e.g. int16 as numbers: NOT scaled to
 * [-1, 1]), float32 [frames, nfilt], time-major, as python_speech_features 0.6 `logfbank`.
 * Frames = {@link logfbankFrameCount}(signal.length, round(winlen·rate), round(winstep·rate)).
 * @example
 * // SeLaVi: 1 s at 24 kHz -> [99, 257]
 * const spec = logfbank(int16Samples, 24000, { winlen: 0.02, winstep: 0.01, nfilt: 257, nfft: 1024 });
 * @throws RangeError for nfft not a power of two >= 2, nfilt < 1, or a window under one sample.
 */
export function logfbank(signal: ArrayLike<number>, sampleRate: number, opts: LogfbankOptions = {}): Float32Array {
  const { winlen = 0.025, winstep = 0.01, nfilt = 26, nfft = 512, lowfreq = 0, highfreq = sampleRate / 2, preemph = 0.97 } = opts;
  if (!(nfft >= 2 && Number.isInteger(nfft) && (nfft & (nfft - 1)) === 0)) {
    throw new RangeError(`logfbank: nfft must be a power of two >= 2 (fft.js), got ${nfft}`);
  }
  if (!(Number.isInteger(nfilt) && nfilt >= 1)) throw new RangeError(`logfbank: nfilt must be an integer >= 1, got ${nfilt}`);
  const frameLen = roundHalfUp(winlen * sampleRate);
  const step = roundHalfUp(winstep * sampleRate);
  if (!(frameLen >= 1 && step >= 1)) throw new RangeError(`logfbank: window ${frameLen} and step ${step} must be >= 1 sample`);

  const x = preemphasis(signal, preemph);
  const nFrames = logfbankFrameCount(x.length, frameLen, step);
  const nBins = nfft / 2 + 1;
  const fbank = getFilterbanks(nfilt, nfft, sampleRate, lowfreq, highfreq); // [nfilt, nBins]
  // Each filter's non-zero span, so the product skips the zeros (the sum is unchanged: 0·p = 0).
  const lo = new Int32Array(nfilt);
  const hi = new Int32Array(nfilt);
  for (let j = 0; j < nfilt; j++) {
    lo[j] = nBins; // an empty filter: lo = nBins, hi = 0, no iterations
    for (let k = 0; k < nBins; k++) {
      if (fbank[j * nBins + k] !== 0) {
        lo[j] = Math.min(lo[j], k);
        hi[j] = k + 1;
      }
    }
  }

  const fft = new FFT(nfft);
  const frame = new Float64Array(nfft);
  const spectrum = new Float64Array(2 * nfft);
  const pspec = new Float64Array(nBins);
  const used = Math.min(frameLen, nfft); // rfft(frame, nfft) keeps the first nfft samples
  const out = new Float32Array(nFrames * nfilt); // [frames, nfilt]
  for (let f = 0; f < nFrames; f++) {
    const off = f * step;
    for (let i = 0; i < used; i++) frame[i] = off + i < x.length ? x[off + i] : 0; // zero-padded tail
    // frame[used..nfft) stays 0: rfft zero-pads a short frame to nfft.
    fft.realTransform(spectrum, frame);
    for (let k = 0; k < nBins; k++) {
      // numpy: square(absolute(X)) / nfft; absolute is hypot, kept for bit-closeness.
      const mag = Math.hypot(spectrum[2 * k], spectrum[2 * k + 1]);
      pspec[k] = (mag * mag) / nfft;
    }
    for (let j = 0; j < nfilt; j++) {
      let acc = 0;
      for (let k = lo[j]; k < hi[j]; k++) acc += pspec[k] * fbank[j * nBins + k];
      out[f * nfilt + j] = Math.log(acc === 0 ? FLOAT64_EPS : acc);
    }
  }
  return out;
}

/**
 * Transposes a row-major [rows, cols] matrix to [cols, rows], e.g. logfbank's [frames, nfilt] into
 * the [nfilt, frames] layout SeLaVi feeds its audio network (`spec.T`).
 * @example transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3) // [1, 4, 2, 5, 3, 6]
 */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  if (data.length !== rows * cols) throw new RangeError(`transpose: ${data.length} values is not ${rows} x ${cols}`);
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}
