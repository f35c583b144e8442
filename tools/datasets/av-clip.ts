/**
 * One AV-digits clip: its plan (every random choice, written to meta.jsonl) and the rendering of
 * that plan into rgb24 frames and float PCM audio. Planning and rendering draw from separate
 * random streams, so the meta depends only on (seed, index, label) and not on rendering code.
 *
 * Every nuisance (polarity, colours, noise, voice, loudness, position) is drawn independently
 * of the label, so a model cannot cluster by any of them and score well.
 */
import { resizeImage } from '../../src/data/image-folder.js';
import { CELLS_USED_PER_CLASS, cellIndex } from './digit-sheet.js';
import { SeededRandom } from './seeded-random.js';
import { SPEECH_RATE, TEMPOS, type Voice } from './speech-bank.js';

export type Polarity = 'light-on-dark' | 'dark-on-light';
export type NoiseColour = 'white' | 'pink' | 'brown';
export type WeakModality = 'none' | 'visual' | 'audio';
export type Degradation = 'low-contrast' | 'occluder' | 'pixel-noise' | 'heavy-noise';
type Rgb = [number, number, number];

/** Clip geometry and timing (shared by all clips of a `fixed` build, drawn per clip otherwise). */
export interface ClipFormat {
  /** Frame side, pixels: width = height, or the short side when `width`/`height` are given. */
  size: number;
  fps: number;
  /** Seconds. */
  duration: number;
  /** Frame width and height when the frame is not square (mixed variations). */
  width?: number;
  height?: number;
}

/** A clip's container and codecs; `mp4` (H.264 + AAC) is the fixed variation's only one. */
export type Container = 'mp4' | 'webm' | 'mkv' | 'mov';

/**
 * How much clips of one build differ in form (not in content, which the level decides):
 * - `fixed`: one size, frame rate, duration and container for every clip (the original builds);
 * - `mixed`: per clip, a container (mp4 / webm / mkv), a width of 64-160 px, square or 4:3, 8-25
 *   fps, 1.5-3 s; digits that move (medium, hard) also rotate (a tilt of up to ±20° and a wobble
 *   of up to ±12°) and pulse in scale (up to ±15%);
 * - `shifted`: kept out of every tuning, wider than `mixed` on each axis: mov too, 48-192 px,
 *   portrait 3:4 and 16:9 as well, 6-30 fps, tilts up to ±35°, wobbles ±20°, pulses ±25%.
 */
export type Variation = 'fixed' | 'mixed' | 'shifted';

/** Rotation and scale of a moving digit over time: angle(t) = tilt + wobble·sin(2πt/period + phase). */
export interface DigitMotion {
  /** Degrees. */
  tilt: number;
  /** Degrees, amplitude. */
  wobble: number;
  /** Relative scale amplitude: scale(t) = 1 + pulse·cos(2πt/period + phase). */
  pulse: number;
  /** Seconds. */
  period: number;
  /** Radians. */
  phase: number;
}

/** Everything that was drawn for one clip; one line of meta.jsonl. */
export interface ClipMeta {
  id: string;
  /** Relative to the data set folder. */
  path: string;
  /** Ground truth: the digit shown. */
  label: number;
  /** The digit spoken; differs from `label` when `mismatch`. */
  spoken: number;
  mismatch: boolean;
  /** Source cell in digits.png: global index row*100+col, and index within its class (< 250). */
  cell: number;
  classCell: number;
  voice: string;
  voiceKind: Voice['kind'];
  speaker: string;
  language: string;
  weak: WeakModality;
  degradation: Degradation | null;
  polarity: Polarity;
  background: Rgb;
  /** Brightness change across the frame, 0..255 units, and its direction in degrees. */
  gradient: { amount: number; angle: number };
  ink: Rgb;
  /** |luma(ink) - luma(background)| / 255 after any low-contrast degradation. */
  contrast: number;
  digitSize: number;
  /** Top-left of the digit at frame 0, and its drift per frame (it bounces off the edges). */
  start: [number, number];
  velocity: [number, number];
  /** Std. dev. of per-pixel Gaussian noise, 0..255 units. */
  pixelNoise: number;
  occluder: { x: number; y: number; w: number; h: number; rgb: Rgb } | null;
  noise: NoiseColour;
  /** Speech-to-noise ratio, dB (speech RMS over its own span). */
  snrDb: number;
  /** Speech level relative to a 0.9 peak, dB. */
  gainDb: number;
  /** Seconds from clip start to speech start. */
  onset: number;
  tempo: number;
  speechDuration: number;
  duration: number;
  fps: number;
  size: number;
  /** Present in mixed variations: frame width and height (`size` is the short side), container, motion. */
  width?: number;
  height?: number;
  container?: Container;
  motion?: DigitMotion;
}

/** Probabilities of the hard cases. */
export const WEAK_VISUAL_RATE = 0.15;
export const WEAK_AUDIO_RATE = 0.15;
export const MISMATCH_RATE = 0.03;

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number): number => {
    const k = (n + h / 60) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

const luma = (c: Rgb): number => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];

/** The leading fields of a clip's meta: what it is, what it shows and says, who says it (in meta.jsonl's key order). */
function clipIdentity(id: string, label: number, spoken: number, mismatch: boolean, classCell: number, voice: Voice) {
  return {
    id,
    path: `clips/${id}.mp4`,
    label,
    spoken,
    mismatch,
    cell: cellIndex(label, classCell),
    classCell,
    voice: voice.id,
    voiceKind: voice.kind,
    speaker: voice.speaker,
    language: voice.language,
  };
}

/** Frame width and height of a format. */
export function frameDims(fmt: { size: number; width?: number; height?: number }): [number, number] {
  return [fmt.width ?? fmt.size, fmt.height ?? fmt.size];
}

const even = (x: number): number => 2 * Math.round(x / 2);

/**
 * The form of one clip of a `mixed` or `shifted` build, drawn from its own stream (so the content
 * draws, and with them every `fixed` build, stay as they were); `fixed` returns `base` as mp4.
 */
export function planClipFormat(variation: Variation, rng: SeededRandom, base: ClipFormat): ClipFormat & { container: Container } {
  if (variation === 'fixed') return { ...base, container: 'mp4' };
  const wide = variation === 'shifted';
  const width = even(rng.uniform(wide ? 48 : 64, wide ? 192 : 160));
  const aspect = rng.pick(wide ? [1, 4 / 3, 16 / 9, 3 / 4] : [1, 4 / 3]); // width / height
  const height = even(width / aspect);
  const fps = rng.int(wide ? 6 : 8, wide ? 30 : 25);
  const duration = Math.round(rng.uniform(1.5, 3) * 10) / 10;
  const container = rng.pick<Container>(wide ? ['mp4', 'webm', 'mkv', 'mov'] : ['mp4', 'webm', 'mkv']);
  return { size: Math.min(width, height), width, height, fps, duration, container };
}

/** Rotation and scale of a moving digit in a mixed build (see {@link Variation}); none for `fixed`. */
export function planMotion(variation: Variation, rng: SeededRandom): DigitMotion | undefined {
  if (variation === 'fixed') return undefined;
  const wide = variation === 'shifted';
  return {
    tilt: r3(rng.uniform(-1, 1) * (wide ? 35 : 20)),
    wobble: r3(rng.uniform(0, wide ? 20 : 12)),
    pulse: r3(rng.uniform(0, wide ? 0.25 : 0.15)),
    period: r3(rng.uniform(1, 3)),
    phase: r3(rng.uniform(0, 2 * Math.PI)),
  };
}

/**
 * Draws the plan of clip `id` showing `label`. `speechLength(voice, digit, tempo)` gives an
 * utterance's length in samples, so that the onset keeps the whole word inside the clip.
 */
export function planClip(
  rng: SeededRandom,
  id: string,
  label: number,
  fmt: ClipFormat,
  voices: readonly Voice[],
  speechLength: (voice: number, digit: number, tempo: number) => number,
): ClipMeta {
  const classCell = rng.int(0, CELLS_USED_PER_CLASS - 1);
  const u = rng.next();
  const weak: WeakModality = u < WEAK_VISUAL_RATE ? 'visual' : u < WEAK_VISUAL_RATE + WEAK_AUDIO_RATE ? 'audio' : 'none';
  // A weak image plus a wrong word would leave nothing that points to the truth.
  const mismatch = weak !== 'visual' && rng.chance(MISMATCH_RATE / (1 - WEAK_VISUAL_RATE));
  const spoken = mismatch ? (label + rng.int(1, 9)) % 10 : label;

  const voiceIndex = rng.int(0, voices.length - 1);
  const voice = voices[voiceIndex];
  const tempoIndex = rng.int(0, TEMPOS.length - 1);
  const speechDuration = speechLength(voiceIndex, spoken, tempoIndex) / SPEECH_RATE;
  const latest = Math.max(0.05, fmt.duration - speechDuration - 0.05);
  const onset = rng.uniform(0.05, latest);

  const polarity: Polarity = rng.chance(0.5) ? 'light-on-dark' : 'dark-on-light';
  const dark = polarity === 'light-on-dark';
  const background = hsv(rng.uniform(0, 360), rng.uniform(0, 0.7), dark ? rng.uniform(0.02, 0.4) : rng.uniform(0.6, 1));
  let ink = hsv(rng.uniform(0, 360), rng.uniform(0, 0.6), dark ? rng.uniform(0.75, 1) : rng.uniform(0, 0.3));
  const gradient = { amount: r3(rng.uniform(0, 40)), angle: r3(rng.uniform(0, 360)) };

  const visualKinds: Degradation[] = ['low-contrast', 'occluder', 'pixel-noise'];
  const degradation: Degradation | null = weak === 'visual' ? rng.pick(visualKinds) : weak === 'audio' ? 'heavy-noise' : null;
  if (degradation === 'low-contrast' || degradation === 'pixel-noise') {
    // Pixel noise alone leaves a bold digit readable: it comes with some loss of contrast too.
    const k = degradation === 'low-contrast' ? rng.uniform(0.1, 0.22) : rng.uniform(0.35, 0.6);
    ink = ink.map((c, i) => Math.round(background[i] + (c - background[i]) * k)) as Rgb;
  }
  const pixelNoise = degradation === 'pixel-noise' ? rng.uniform(45, 70) : rng.uniform(0, 10);

  const [W, H] = frameDims(fmt);
  const digitSize = rng.int(Math.round(fmt.size * 0.44), Math.round(fmt.size * 0.56));
  const start: [number, number] = [r3(rng.uniform(0, W - digitSize)), r3(rng.uniform(0, H - digitSize))];
  const speed = rng.uniform(0, 1.2) * (fmt.size / 64) * (10 / fmt.fps);
  const dir = rng.uniform(0, 2 * Math.PI);
  const velocity: [number, number] = [r3(speed * Math.cos(dir)), r3(speed * Math.sin(dir))];

  let occluder: ClipMeta['occluder'] = null;
  if (degradation === 'occluder') {
    // A block over the middle of the digit's path hides about half of it most of the time.
    const w = Math.round(digitSize * rng.uniform(0.6, 0.8));
    const h = Math.round(digitSize * rng.uniform(0.6, 0.8));
    const cx = start[0] + digitSize / 2 + rng.uniform(-0.15, 0.15) * digitSize;
    const cy = start[1] + digitSize / 2 + rng.uniform(-0.15, 0.15) * digitSize;
    occluder = { x: Math.round(cx - w / 2), y: Math.round(cy - h / 2), w, h, rgb: hsv(rng.uniform(0, 360), rng.uniform(0, 1), rng.uniform(0, 1)) };
  }

  const noise = rng.pick(['white', 'pink', 'brown'] as const);
  const snrDb = weak === 'audio' ? rng.uniform(-14, -6) : rng.uniform(0, 24);
  const gainDb = rng.uniform(-16, 0);

  return {
    ...clipIdentity(id, label, spoken, mismatch, classCell, voice),
    weak,
    degradation,
    polarity,
    background,
    gradient,
    ink,
    contrast: r3(Math.abs(luma(ink) - luma(background)) / 255),
    digitSize,
    start,
    velocity,
    pixelNoise: r3(pixelNoise),
    occluder,
    noise,
    snrDb: r3(snrDb),
    gainDb: r3(gainDb),
    onset: r3(onset),
    tempo: TEMPOS[tempoIndex],
    speechDuration: r3(speechDuration),
    duration: fmt.duration,
    fps: fmt.fps,
    size: fmt.size,
  };
}

/**
 * How hard a build is. `hard`: every nuisance above ({@link planClip}). `easy`: a large digit,
 * centred and still, white on black, said by a clean voice (SNR 25-35 dB); the digit is all
 * there is. `medium`: a coloured digit drifting on a dark background, white noise at 5-20 dB SNR,
 * 15% of clips with one modality weak, no mismatches. In every level the digit is the only
 * content the two modalities share.
 */
export type Level = 'easy' | 'medium' | 'hard';

/** Plans one clip of a level; `hard` is {@link planClip} itself (same draws, same data sets). */
export function planLevelClip(
  level: Level,
  rng: SeededRandom,
  id: string,
  label: number,
  fmt: ClipFormat,
  voices: readonly Voice[],
  speechLength: (voice: number, digit: number, tempo: number) => number,
): ClipMeta {
  if (level === 'hard') return planClip(rng, id, label, fmt, voices, speechLength);
  const easy = level === 'easy';
  const classCell = rng.int(0, CELLS_USED_PER_CLASS - 1);
  const u = rng.next();
  const weak: WeakModality = easy ? 'none' : u < WEAK_VISUAL_RATE / 2 ? 'visual' : u < (WEAK_VISUAL_RATE + WEAK_AUDIO_RATE) / 2 ? 'audio' : 'none';
  const voiceIndex = rng.int(0, voices.length - 1);
  const tempoIndex = easy ? TEMPOS.indexOf(1.0) : rng.int(1, TEMPOS.length - 2);
  const speechDuration = speechLength(voiceIndex, label, tempoIndex) / SPEECH_RATE;
  const onset = easy ? Math.max(0.05, (fmt.duration - speechDuration) / 2) : rng.uniform(0.05, Math.max(0.05, fmt.duration - speechDuration - 0.05));
  const background: Rgb = easy ? [0, 0, 0] : hsv(rng.uniform(0, 360), rng.uniform(0, 0.6), rng.uniform(0.02, 0.25));
  let ink: Rgb = easy ? [255, 255, 255] : hsv(rng.uniform(0, 360), rng.uniform(0.3, 0.9), rng.uniform(0.8, 1));
  const degradation: Degradation | null = weak === 'visual' ? 'low-contrast' : weak === 'audio' ? 'heavy-noise' : null;
  if (degradation === 'low-contrast') ink = ink.map((c, i) => Math.round(background[i] + (c - background[i]) * rng.uniform(0.15, 0.3))) as Rgb;
  const [W, H] = frameDims(fmt);
  const digitSize = easy ? Math.round(fmt.size * 0.75) : rng.int(Math.round(fmt.size * 0.5), Math.round(fmt.size * 0.62));
  const start: [number, number] = easy
    ? [(W - digitSize) / 2, (H - digitSize) / 2]
    : [r3(rng.uniform(0, W - digitSize)), r3(rng.uniform(0, H - digitSize))];
  const speed = easy ? 0 : rng.uniform(0, 1) * (fmt.size / 64) * (10 / fmt.fps);
  const dir = rng.uniform(0, 2 * Math.PI);
  const snrDb = easy ? rng.uniform(25, 35) : weak === 'audio' ? rng.uniform(-6, 0) : rng.uniform(5, 20);
  const voice = voices[voiceIndex];
  return {
    ...clipIdentity(id, label, label, false, classCell, voice),
    weak,
    degradation,
    polarity: 'light-on-dark',
    background,
    gradient: { amount: easy ? 0 : r3(rng.uniform(0, 15)), angle: r3(rng.uniform(0, 360)) },
    ink,
    contrast: r3(Math.abs(luma(ink) - luma(background)) / 255),
    digitSize,
    start,
    velocity: speed === 0 ? [0, 0] : [r3(speed * Math.cos(dir)), r3(speed * Math.sin(dir))],
    pixelNoise: easy ? 0 : r3(rng.uniform(0, 6)),
    occluder: null,
    noise: 'white',
    snrDb: r3(snrDb),
    gainDb: easy ? 0 : r3(rng.uniform(-10, 0)),
    onset: r3(onset),
    tempo: TEMPOS[tempoIndex],
    speechDuration: r3(speechDuration),
    duration: fmt.duration,
    fps: fmt.fps,
    size: fmt.size,
  };
}

/** Index of `meta.tempo` in TEMPOS. */
export function tempoIndex(meta: ClipMeta): number {
  return TEMPOS.indexOf(meta.tempo as (typeof TEMPOS)[number]);
}

/** Frame count of a clip. */
export function frameCount(meta: ClipMeta): number {
  return Math.round(meta.duration * meta.fps);
}

/** Position along a path that bounces between 0 and `room`. */
function bounce(p: number, room: number): number {
  if (room <= 0) return 0;
  const period = 2 * room;
  const m = ((p % period) + period) % period;
  return m <= room ? m : period - m;
}

/**
 * 65,536 standard normal draws, fixed forever: pixel noise indexes it with 16 random bits, which
 * is several times faster than a fresh Gaussian per sample and just as good to the eye.
 */
const NORMALS = ((): Float32Array => {
  const r = new SeededRandom(0x6e6f726d);
  return Float32Array.from({ length: 1 << 16 }, () => r.normal());
})();

/** Bilinear sample of a d x d mask (0..255) at (u, v) in pixel units, 0 outside. */
function sampleMask(mask: Uint8Array, d: number, u: number, v: number): number {
  const x = u - 0.5;
  const y = v - 0.5;
  if (x <= -1 || y <= -1 || x >= d || y >= d) return 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number): number => (xx < 0 || yy < 0 || xx >= d || yy >= d ? 0 : mask[yy * d + xx]);
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Paints the digit mask into `frame` (rgb, W x H), its box's top-left at (px, py), rotated by
 * `angle` radians and scaled by `scale` about the box's centre; pixels outside the frame are dropped.
 */
function paintTransformed(frame: Float32Array, W: number, H: number, mask: Uint8Array, d: number, px: number, py: number, angle: number, scale: number, ink: Rgb): void {
  const cx = px + d / 2;
  const cy = py + d / 2;
  const reach = (d * scale * Math.SQRT2) / 2 + 1;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(H, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(W, Math.ceil(cx + reach)); x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const a = sampleMask(mask, d, (cos * dx + sin * dy) / scale + d / 2, (-sin * dx + cos * dy) / scale + d / 2) / 255;
      if (a === 0) continue;
      const i = (y * W + x) * 3;
      frame[i] += (ink[0] - frame[i]) * a;
      frame[i + 1] += (ink[1] - frame[i + 1]) * a;
      frame[i + 2] += (ink[2] - frame[i + 2]) * a;
    }
  }
}

/** Renders the frames as rgb24, [frames, height, width, 3]; `cell` is the 20x20 source digit. */
export function renderFrames(meta: ClipMeta, cell: Uint8Array, rng: SeededRandom): Uint8Array {
  const [W, H] = frameDims(meta);
  const T = frameCount(meta);
  const d = meta.digitSize;
  const mask = resizeImage(cell, 20, 20, 1, d, d);
  const out = new Uint8Array(T * W * H * 3);
  const ang = (meta.gradient.angle * Math.PI) / 180;
  const side = Math.min(W, H);
  const gx = Math.cos(ang) / side;
  const gy = Math.sin(ang) / side;
  const bg = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const shift = meta.gradient.amount * ((x - W / 2) * gx + (y - H / 2) * gy);
      for (let ch = 0; ch < 3; ch++) bg[(y * W + x) * 3 + ch] = meta.background[ch] + shift;
    }
  }
  const occ = meta.occluder;
  const [ir, ig, ib] = meta.ink;
  const frame = new Float32Array(W * H * 3);
  const sigma = meta.pixelNoise;
  const motion = meta.motion;
  for (let t = 0; t < T; t++) {
    // Drift plus a little hand-held jitter.
    const px = Math.round(bounce(meta.start[0] + meta.velocity[0] * t + rng.normal() * 0.5, W - d));
    const py = Math.round(bounce(meta.start[1] + meta.velocity[1] * t + rng.normal() * 0.5, H - d));
    frame.set(bg);
    if (motion) {
      const w = (2 * Math.PI * t) / meta.fps / motion.period + motion.phase;
      const angle = ((motion.tilt + motion.wobble * Math.sin(w)) * Math.PI) / 180;
      paintTransformed(frame, W, H, mask, d, px, py, angle, 1 + motion.pulse * Math.cos(w), meta.ink);
    } else {
      for (let my = 0; my < d; my++) {
        for (let mx = 0; mx < d; mx++) {
          const a = mask[my * d + mx] / 255;
          if (a === 0) continue;
          const i = ((py + my) * W + px + mx) * 3;
          frame[i] += (ir - frame[i]) * a;
          frame[i + 1] += (ig - frame[i + 1]) * a;
          frame[i + 2] += (ib - frame[i + 2]) * a;
        }
      }
    }
    if (occ) {
      for (let y = Math.max(0, occ.y); y < Math.min(H, occ.y + occ.h); y++) {
        for (let x = Math.max(0, occ.x); x < Math.min(W, occ.x + occ.w); x++) frame.set(occ.rgb, (y * W + x) * 3);
      }
    }
    const base = t * W * H * 3;
    for (let i = 0; i < frame.length; i++) {
      const v = sigma > 0 ? frame[i] + NORMALS[rng.nextUint32() & 0xffff] * sigma : frame[i];
      out[base + i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

/** Unit-RMS noise of a colour: white, pink (Kellet's 3-pole filter) or brown (leaky integral). */
export function colouredNoise(colour: NoiseColour, length: number, rng: SeededRandom): Float32Array {
  const out = new Float32Array(length);
  let b0 = 0, b1 = 0, b2 = 0, br = 0;
  for (let i = 0; i < length; i++) {
    const w = rng.normal();
    if (colour === 'white') out[i] = w;
    else if (colour === 'pink') {
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = b0 + b1 + b2 + w * 0.1848;
    } else {
      br = (br + 0.02 * w) / 1.02;
      out[i] = br;
    }
  }
  let mean = 0;
  for (const v of out) mean += v;
  mean /= Math.max(1, length);
  let ss = 0;
  for (let i = 0; i < length; i++) {
    out[i] -= mean;
    ss += out[i] * out[i];
  }
  const rms = Math.sqrt(ss / Math.max(1, length));
  if (rms > 0) for (let i = 0; i < length; i++) out[i] /= rms;
  return out;
}

/** Renders the audio track: the utterance at its onset and gain, plus noise at the SNR. */
export function renderAudio(meta: ClipMeta, speech: Float32Array, rng: SeededRandom): Float32Array {
  const len = Math.round(meta.duration * SPEECH_RATE);
  const out = colouredNoise(meta.noise, len, rng);
  const gain = 10 ** (meta.gainDb / 20);
  let ss = 0;
  for (const v of speech) ss += v * v;
  const speechRms = gain * Math.sqrt(ss / Math.max(1, speech.length));
  const noiseLevel = speechRms * 10 ** (-meta.snrDb / 20);
  for (let i = 0; i < len; i++) out[i] *= noiseLevel;
  const at = Math.round(meta.onset * SPEECH_RATE);
  for (let i = 0; i < speech.length && at + i < len; i++) out[at + i] += gain * speech[i];
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  // Heavy noise can push the mix past full scale: scale the whole clip down rather than clip it.
  if (peak > 0.98) for (let i = 0; i < len; i++) out[i] *= 0.98 / peak;
  return out;
}
