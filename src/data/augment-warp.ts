/**
 * Geometric warps for invariance to what varies between real recordings of the same content:
 * - frames: rotation, zoom and shift in one affine warp (a tilted camera, a nearer object, a
 *   different framing or aspect ratio cropped to a square);
 * - spectrogram: tempo (a stretch along time) and pitch (a shift along the mel axis, which is close
 *   to logarithmic in frequency above a few hundred Hz, so a pitch ratio is close to a constant
 *   shift in bins): speed and pitch perturbation, the standard speech augmentation, done on the
 *   log-mel instead of the waveform because clips are cached as log-mels.
 * Both sample bilinearly and clamp at the border (edge pixels, the first or last frame or bin): a
 * constant fill would give the network a border to recognise. Pure; shapes are preserved.
 */
import { uniform, type Rng } from './augment-rng.js';

/** Options of {@link randomAffine}. */
export interface AffineOptions {
  /** Largest rotation, degrees either way (default 20). */
  rotate?: number;
  /** Zoom factor range, sampled log-uniformly (default [0.85, 1.25]; > 1 magnifies). */
  zoom?: [number, number];
  /** Largest shift as a fraction of the side, each axis (default 0.1). */
  shift?: number;
}

/**
 * Rotates by θ, zooms by z and shifts the content of every frame alike (motion stays coherent):
 * output pixel p samples the input at c + R(-θ)(p - c - t) / z, c the centre, t the shift.
 */
export function affineWarp(frames: Float32Array, shape: readonly number[], thetaRad: number, zoom: number, shiftX: number, shiftY: number): Float32Array {
  const [T, H, W, C] = shape;
  const out = new Float32Array(frames.length);
  const cos = Math.cos(thetaRad) / zoom;
  const sin = Math.sin(thetaRad) / zoom;
  const cx = W / 2;
  const cy = H / 2;
  // Source coordinates depend on (x, y) only: computed once, shared by frames and channels.
  const n = H * W;
  const i00 = new Int32Array(n), i01 = new Int32Array(n), i10 = new Int32Array(n), i11 = new Int32Array(n);
  const wx = new Float32Array(n), wy = new Float32Array(n);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x + 0.5 - cx - shiftX;
      const dy = y + 0.5 - cy - shiftY;
      const sx = Math.min(W - 1, Math.max(0, cos * dx + sin * dy + cx - 0.5));
      const sy = Math.min(H - 1, Math.max(0, -sin * dx + cos * dy + cy - 0.5));
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const x1 = Math.min(W - 1, x0 + 1), y1 = Math.min(H - 1, y0 + 1);
      const p = y * W + x;
      i00[p] = (y0 * W + x0) * C;
      i01[p] = (y0 * W + x1) * C;
      i10[p] = (y1 * W + x0) * C;
      i11[p] = (y1 * W + x1) * C;
      wx[p] = sx - x0;
      wy[p] = sy - y0;
    }
  }
  for (let t = 0; t < T; t++) {
    const base = t * n * C;
    for (let p = 0; p < n; p++) {
      const a = wx[p], b = wy[p];
      const o = base + p * C;
      for (let c = 0; c < C; c++) {
        const top = frames[base + i00[p] + c] * (1 - a) + frames[base + i01[p] + c] * a;
        const bottom = frames[base + i10[p] + c] * (1 - a) + frames[base + i11[p] + c] * a;
        out[o + c] = top * (1 - b) + bottom * b;
      }
    }
  }
  return out;
}

/** {@link affineWarp} with a random rotation, zoom and shift (one draw per clip). */
export function randomAffine(frames: Float32Array, shape: readonly number[], rng: Rng, o: AffineOptions = {}): Float32Array {
  const [, H, W] = shape;
  const rot = ((o.rotate ?? 20) * Math.PI) / 180;
  const [zLo, zHi] = o.zoom ?? [0.85, 1.25];
  const shift = o.shift ?? 0.1;
  const theta = uniform(rng, -rot, rot);
  const zoom = Math.exp(uniform(rng, Math.log(zLo), Math.log(zHi)));
  return affineWarp(frames, shape, theta, zoom, uniform(rng, -shift, shift) * W, uniform(rng, -shift, shift) * H);
}

/** Options of {@link randomSpeedPitch}. */
export interface SpeedPitchOptions {
  /** Tempo factor range, sampled log-uniformly (default [0.8, 1.25]; > 1 is faster, shorter). */
  tempo?: [number, number];
  /** Largest pitch shift in mel bins either way (default 2: about ±3.5 semitones near 1 kHz with 40 bins to 8 kHz). */
  pitchBins?: number;
}

/**
 * Stretches a log-mel [F, M] in time by 1/tempo about its centre and shifts it by `shiftBins`
 * along the mel axis (positive: higher), bilinearly, clamping at the edges.
 */
export function speedPitchWarp(spec: Float32Array, shape: readonly number[], tempo: number, shiftBins: number): Float32Array {
  const [F, M] = shape;
  const out = new Float32Array(spec.length);
  const cf = (F - 1) / 2;
  for (let f = 0; f < F; f++) {
    const sf = Math.min(F - 1, Math.max(0, cf + (f - cf) * tempo));
    const f0 = Math.floor(sf);
    const f1 = Math.min(F - 1, f0 + 1);
    const a = sf - f0;
    for (let m = 0; m < M; m++) {
      const sm = Math.min(M - 1, Math.max(0, m - shiftBins));
      const m0 = Math.floor(sm);
      const m1 = Math.min(M - 1, m0 + 1);
      const b = sm - m0;
      const lo = spec[f0 * M + m0] * (1 - b) + spec[f0 * M + m1] * b;
      const hi = spec[f1 * M + m0] * (1 - b) + spec[f1 * M + m1] * b;
      out[f * M + m] = lo * (1 - a) + hi * a;
    }
  }
  return out;
}

/** {@link speedPitchWarp} with a random tempo and pitch shift (one draw per clip). */
export function randomSpeedPitch(spec: Float32Array, shape: readonly number[], rng: Rng, o: SpeedPitchOptions = {}): Float32Array {
  const [tLo, tHi] = o.tempo ?? [0.8, 1.25];
  const p = o.pitchBins ?? 2;
  return speedPitchWarp(spec, shape, Math.exp(uniform(rng, Math.log(tLo), Math.log(tHi))), uniform(rng, -p, p));
}
