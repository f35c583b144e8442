/**
 * Clip augmentations: pure functions (inputs never mutated) with an injected RNG, so a seed fixes
 * every choice. Frames are Float32 [T, S, S, 3] in [0, 1]; spectrograms Float32 [F, M] log-mel
 * with log(mel + logOffset) (see media/melspec.ts). Every function preserves shapes.
 *
 * For small collections the cheap "invariances" matter most: the model must not separate clusters
 * by global brightness, contrast, polarity or loudness, so those are jittered per clip.
 */
import type { DecodedClip } from './types.js';
import { gaussian, uniform, type Rng } from './augment-rng.js';
import { randomAffine, randomSpeedPitch, type AffineOptions, type SpeedPitchOptions } from './augment-warp.js';
import { backgroundNoise } from './augment-nuisance.js';

export type { Rng } from './augment-rng.js';

type FrameShape = readonly [number, number, number, 3] | readonly number[];

/** Random temporal offset (decode time): a start in [0, duration - span], 0 if the video is short. */
export function randomClipStart(duration: number, span: number, rng: Rng): number {
  if (!Number.isFinite(duration) || duration <= span) return 0;
  return rng() * (duration - span);
}

/** Options of {@link randomResizedCrop}. */
export interface ResizedCropOptions {
  /** Range of the crop's area as a fraction of the frame (default [0.35, 1]). */
  scale?: [number, number];
  /** Range of the crop's aspect ratio w/h, sampled log-uniformly (default [3/4, 4/3]). */
  ratio?: [number, number];
}

/**
 * Crops one random box (same for all T frames, so motion stays coherent) and resizes it back to
 * the frame size with bilinear interpolation (half-pixel centres).
 */
export function randomResizedCrop(frames: Float32Array, shape: FrameShape, rng: Rng, opts: ResizedCropOptions = {}): Float32Array {
  const [, H, W] = shape;
  const [sMin, sMax] = opts.scale ?? [0.35, 1];
  const [rMin, rMax] = opts.ratio ?? [3 / 4, 4 / 3];
  let cw = W;
  let ch = H;
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = uniform(rng, sMin, sMax) * H * W;
    const r = Math.exp(uniform(rng, Math.log(rMin), Math.log(rMax)));
    const w = Math.round(Math.sqrt(area * r));
    const h = Math.round(Math.sqrt(area / r));
    if (w >= 1 && h >= 1 && w <= W && h <= H) {
      cw = w;
      ch = h;
      break;
    }
  }
  const x0 = Math.floor(rng() * (W - cw + 1));
  const y0 = Math.floor(rng() * (H - ch + 1));
  return cropResize(frames, shape, x0, y0, cw, ch);
}

/** Bilinear resize of the box (x0, y0, cw, ch) of every frame to the full H x W. */
export function cropResize(frames: Float32Array, shape: FrameShape, x0: number, y0: number, cw: number, ch: number): Float32Array {
  const [T, H, W] = shape;
  const out = new Float32Array(frames.length);
  const sx = cw / W;
  const sy = ch / H;
  // Source coordinates and weights per output column/row, shared by all frames and channels.
  const xi0 = new Int32Array(W), xi1 = new Int32Array(W), xw = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const fx = Math.min(cw - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    xi0[x] = x0 + Math.floor(fx);
    xi1[x] = x0 + Math.min(cw - 1, Math.floor(fx) + 1);
    xw[x] = fx - Math.floor(fx);
  }
  for (let t = 0; t < T; t++) {
    const base = t * H * W * 3;
    for (let y = 0; y < H; y++) {
      const fy = Math.min(ch - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const r0 = base + (y0 + Math.floor(fy)) * W * 3;
      const r1 = base + (y0 + Math.min(ch - 1, Math.floor(fy) + 1)) * W * 3;
      const wy = fy - Math.floor(fy);
      for (let x = 0; x < W; x++) {
        const a = xi0[x] * 3, b = xi1[x] * 3, wx = xw[x];
        const o = base + (y * W + x) * 3;
        for (let c = 0; c < 3; c++) {
          const top = frames[r0 + a + c] * (1 - wx) + frames[r0 + b + c] * wx;
          const bot = frames[r1 + a + c] * (1 - wx) + frames[r1 + b + c] * wx;
          out[o + c] = top * (1 - wy) + bot * wy;
        }
      }
    }
  }
  return out;
}

/** Mirrors every frame left-right. */
export function horizontalFlip(frames: Float32Array, shape: FrameShape): Float32Array {
  const [T, H, W] = shape;
  const out = new Float32Array(frames.length);
  for (let row = 0; row < T * H; row++) {
    const base = row * W * 3;
    for (let x = 0; x < W; x++) {
      const s = base + x * 3;
      const d = base + (W - 1 - x) * 3;
      out[d] = frames[s];
      out[d + 1] = frames[s + 1];
      out[d + 2] = frames[s + 2];
    }
  }
  return out;
}

/** Flips with probability `p` (default 0.5); otherwise returns a copy. */
export function randomHorizontalFlip(frames: Float32Array, shape: FrameShape, rng: Rng, p = 0.5): Float32Array {
  return rng() < p ? horizontalFlip(frames, shape) : frames.slice();
}

/** Options of {@link colorJitter}. */
export interface ColorJitterOptions {
  /** Probability of inverting polarity (v -> 1 - v). Default 0.2. */
  invert?: number;
  /** Contrast factor drawn from [1 - c, 1 + c] around the clip mean. Default 0.4. */
  contrast?: number;
  /** Brightness offset drawn from [-b, b]. Default 0.2. */
  brightness?: number;
}

/**
 * Per-clip polarity, contrast and brightness jitter (one draw for the whole clip, all frames and
 * channels alike, so colours keep their relations); result clamped to [0, 1].
 */
export function colorJitter(frames: Float32Array, _shape: FrameShape, rng: Rng, opts: ColorJitterOptions = {}): Float32Array {
  const invert = rng() < (opts.invert ?? 0.2);
  const c = opts.contrast ?? 0.4;
  const b = opts.brightness ?? 0.2;
  const contrast = uniform(rng, 1 - c, 1 + c);
  const brightness = uniform(rng, -b, b);
  let mean = 0;
  for (let i = 0; i < frames.length; i++) mean += frames[i];
  mean /= frames.length || 1;
  if (invert) mean = 1 - mean;
  const out = new Float32Array(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const v = invert ? 1 - frames[i] : frames[i];
    const w = (v - mean) * contrast + mean + brightness;
    out[i] = w < 0 ? 0 : w > 1 ? 1 : w;
  }
  return out;
}

/**
 * Volume jitter on a log-mel: a waveform gain g multiplies power by g², so each bin v = log(p + ε)
 * becomes log(g² · max(0, e^v - ε) + ε) — exact for the offset ε, so silence stays at log ε.
 * g is drawn in dB from [-maxDb, maxDb] (default 6 dB).
 */
export function audioGain(spec: Float32Array, rng: Rng, opts: { maxDb?: number; logOffset?: number } = {}): Float32Array {
  const maxDb = opts.maxDb ?? 6;
  const eps = opts.logOffset ?? 1e-6;
  const g2 = 10 ** (uniform(rng, -maxDb, maxDb) / 10); // power gain = g² = 10^(dB/10)
  const out = new Float32Array(spec.length);
  for (let i = 0; i < spec.length; i++) out[i] = Math.log(g2 * Math.max(0, Math.exp(spec[i]) - eps) + eps);
  return out;
}

/** Adds i.i.d. Gaussian noise (σ = `sigma`, default 0.2 nats) to every log-mel bin. */
export function specNoise(spec: Float32Array, rng: Rng, sigma = 0.2): Float32Array {
  const out = new Float32Array(spec.length);
  for (let i = 0; i < spec.length; i++) out[i] = spec[i] + sigma * gaussian(rng);
  return out;
}

/**
 * Shifts the spectrogram in time by k ∈ [-maxFrames, maxFrames] frames, circularly (a roll keeps
 * every frame's content and the value statistics; audio of clips is roughly stationary).
 * Default maxFrames: a tenth of F.
 */
export function specTimeShift(spec: Float32Array, shape: readonly [number, number] | readonly number[], rng: Rng, maxFrames?: number): Float32Array {
  const [F, M] = shape;
  const max = Math.min(F - 1, maxFrames ?? Math.floor(F / 10));
  const k = Math.floor(uniform(rng, -max, max + 1));
  const out = new Float32Array(spec.length);
  for (let f = 0; f < F; f++) {
    const src = (((f - k) % F) + F) % F;
    out.set(spec.subarray(src * M, src * M + M), f * M);
  }
  return out;
}

/**
 * Which augmentations {@link augmentClip} applies: all on by default (`false` turns one off), except
 * the warps (`affine`, `speedPitch`), which run only when given.
 */
export interface AugmentOptions {
  affine?: AffineOptions;
  speedPitch?: SpeedPitchOptions;
  crop?: ResizedCropOptions | false;
  flip?: number | false;
  color?: ColorJitterOptions | false;
  gain?: { maxDb?: number; logOffset?: number } | false;
  noise?: number | false;
  timeShift?: number | false;
  /** Background noise of random colour at an SNR drawn from `snrDb` (dB), added last; only when given. */
  background?: { snrDb: [number, number]; logOffset?: number };
}

/** Applies the enabled augmentations to a clip, in a fixed order; returns a new clip. */
export function augmentClip(clip: DecodedClip, rng: Rng, opts: AugmentOptions = {}): DecodedClip {
  let frames = clip.frames;
  let spec = clip.spec;
  if (opts.affine) frames = randomAffine(frames, clip.frameShape, rng, opts.affine);
  if (opts.crop !== false) frames = randomResizedCrop(frames, clip.frameShape, rng, opts.crop);
  if (opts.flip !== false) frames = randomHorizontalFlip(frames, clip.frameShape, rng, opts.flip);
  if (opts.color !== false) frames = colorJitter(frames, clip.frameShape, rng, opts.color);
  if (opts.gain !== false) spec = audioGain(spec, rng, opts.gain);
  if (opts.noise !== false) spec = specNoise(spec, rng, opts.noise);
  if (opts.timeShift !== false) spec = specTimeShift(spec, clip.specShape, rng, opts.timeShift);
  if (opts.speedPitch) spec = randomSpeedPitch(spec, clip.specShape, rng, opts.speedPitch);
  if (opts.background) spec = backgroundNoise(spec, clip.specShape, rng, opts.background.snrDb, opts.background.logOffset);
  return { ...clip, frames: frames === clip.frames ? frames.slice() : frames, spec: spec === clip.spec ? spec.slice() : spec };
}
