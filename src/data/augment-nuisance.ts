/**
 * Augmentations that randomise the nuisances a small dataset lets a network cluster by, so that
 * only what the two modalities share (the content) stays predictable:
 * - frames: polarity (inverted with p = 1/2), additive pixel noise of random level, an occluding
 *   box of random grey at a random place (cutout);
 * - spectrogram: background noise of random colour (spectral tilt across mel bins) and level,
 *   added in the power domain, then SpecAugment-style time and frequency masks.
 * Pure functions of their input and an injected `rng`; shapes are preserved.
 */
import { gaussian, uniform, type Rng } from './augment-rng.js';
import type { DecodedClip } from './types.js';

type FrameShape = readonly [number, number, number, number];

/** Options of {@link nuisanceAugment}; each field's default is in its comment. */
export interface NuisanceOptions {
  invert?: number; // probability of inverting polarity (1/2: polarity carries no information)
  pixelNoise?: number; // max σ of additive Gaussian pixel noise (0.15)
  cutout?: number; // probability of an occluding box (0.5), side up to 40% of the frame
  noiseSnrDb?: [number, number]; // range of the added background noise's SNR, dB ([-5, 20])
  maskFrac?: number; // max fraction of time frames and of mel bins masked (0.15)
  logOffset?: number; // the ε of log(mel + ε) used when decoding (1e-6)
}

/** Polarity, pixel noise and cutout on frames [T, H, W, 3] in [0, 1]; the same box on every frame. */
export function frameNuisance(frames: Float32Array, shape: FrameShape, rng: Rng, o: NuisanceOptions = {}): Float32Array {
  const [t, h, w, c] = shape;
  const out = new Float32Array(frames.length);
  const invert = rng() < (o.invert ?? 0.5);
  const sigma = uniform(rng, 0, o.pixelNoise ?? 0.15);
  for (let i = 0; i < frames.length; i++) {
    const v = (invert ? 1 - frames[i] : frames[i]) + sigma * gaussian(rng);
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  if (rng() < (o.cutout ?? 0.5)) {
    const bh = Math.max(1, Math.round(uniform(rng, 0.15, 0.4) * h));
    const bw = Math.max(1, Math.round(uniform(rng, 0.15, 0.4) * w));
    const y0 = Math.floor(rng() * (h - bh + 1));
    const x0 = Math.floor(rng() * (w - bw + 1));
    const grey = rng();
    for (let f = 0; f < t; f++)
      for (let y = y0; y < y0 + bh; y++)
        for (let x = x0; x < x0 + bw; x++) for (let k = 0; k < c; k++) out[((f * h + y) * w + x) * c + k] = grey;
  }
  return out;
}

/**
 * Background noise added to a log-mel spectrogram [F, M]: power p → p + n_m, with n_m a spectral
 * tilt (white, pink- or brown-like, or rising) scaled to a random SNR (dB, drawn from `snrDb`)
 * against the clip's mean power, fluctuating frame to frame as real noise does. Returns a new array.
 */
export function backgroundNoise(spec: Float32Array, shape: readonly [number, number], rng: Rng, snrDb: readonly [number, number], logOffset = 1e-6): Float32Array {
  const [f, m] = shape;
  const eps = logOffset;
  let meanPower = 0;
  for (let i = 0; i < spec.length; i++) meanPower += Math.max(0, Math.exp(spec[i]) - eps);
  meanPower /= spec.length || 1;
  const [lo, hi] = snrDb;
  const noisePower = meanPower / 10 ** (uniform(rng, lo, hi) / 10);
  const tilt = uniform(rng, -2, 1); // power ∝ (bin+1)^tilt: 0 white, −1 pink-like, −2 brown-like
  const profile = new Float64Array(m);
  let profileMean = 0;
  for (let j = 0; j < m; j++) profileMean += (profile[j] = Math.pow(j + 1, tilt));
  profileMean /= m;
  const out = new Float32Array(spec.length);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j < m; j++) {
      // Noise power per bin fluctuates (χ²-like) frame to frame, as real noise does.
      const n = (noisePower * profile[j] * Math.abs(1 + 0.5 * gaussian(rng))) / profileMean;
      out[i * m + j] = Math.log(Math.max(0, Math.exp(spec[i * m + j]) - eps) + n + eps);
    }
  }
  return out;
}

/**
 * {@link backgroundNoise} at an SNR from `noiseSnrDb`, then masks a random band of mel bins and a
 * random span of frames with the clip's mean (SpecAugment-style).
 */
export function spectrogramNuisance(spec: Float32Array, shape: readonly [number, number], rng: Rng, o: NuisanceOptions = {}): Float32Array {
  const [f, m] = shape;
  const out = backgroundNoise(spec, shape, rng, o.noiseSnrDb ?? [-5, 20], o.logOffset ?? 1e-6);
  let mean = 0;
  for (let i = 0; i < out.length; i++) mean += out[i];
  mean /= out.length || 1;
  const maxFrac = o.maskFrac ?? 0.15;
  const bins = Math.floor(uniform(rng, 0, maxFrac) * m);
  const b0 = Math.floor(rng() * (m - bins + 1));
  for (let i = 0; i < f; i++) for (let j = b0; j < b0 + bins; j++) out[i * m + j] = mean;
  const frames = Math.floor(uniform(rng, 0, maxFrac) * f);
  const f0 = Math.floor(rng() * (f - frames + 1));
  for (let i = f0; i < f0 + frames; i++) out.fill(mean, i * m, (i + 1) * m);
  return out;
}

/** Both of the above on a clip; returns a new clip. */
export function nuisanceAugment(clip: DecodedClip, rng: Rng, o: NuisanceOptions = {}): DecodedClip {
  return {
    ...clip,
    frames: frameNuisance(clip.frames, clip.frameShape, rng, o),
    spec: spectrogramNuisance(clip.spec, clip.specShape, rng, o),
  };
}
