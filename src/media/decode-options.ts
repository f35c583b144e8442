/**
 * Clip decoding options, their defaults, validation and the tensor shapes they imply.
 * Shared by `decodeClip`, the cache writer/reader and the flags of `selavi decode` and
 * `selavi cluster`: one set of defaults, so a cache decoded with the defaults is the one a
 * `cluster` run with the defaults asks for.
 */
import { ConfigError } from '../errors.js';
import type { MelSpecOptions } from './melspec.js';
import { specFrameCount } from './spec-frames.js';

/** What happens to a video shorter than the clip span (see {@link DecodeOptions.short}). */
export type ShortClip = 'fit' | 'pad' | 'skip';
export const SHORT_CLIP_CHOICES: readonly ShortClip[] = ['fit', 'pad', 'skip'];

/** How one clip is decoded. See {@link DEFAULT_DECODE} for the defaults. */
export interface DecodeOptions {
  /** Clip span in seconds (audio covers exactly this span). Default 2. */
  clipSeconds: number;
  /** Frames per clip, K. Default 4. */
  frames: number;
  /** Frame rate of the K frames; default K / clipSeconds, so the frames cover the span evenly. */
  fps?: number;
  /** Output side S: short side scaled to S, then centre crop S x S. Default 32. */
  size: number;
  /** Audio sample rate after resampling, Hz. Default 16000. */
  sampleRate: number;
  /** Mel bins M. Default 40. */
  melBins: number;
  /** Spectrogram window, ms. Default 25. */
  winMs: number;
  /** Spectrogram hop, ms. Default 20. */
  hopMs: number;
  /** A video without audio: `skip` it (reported) or decode it with `silence`. Default skip. */
  missingAudio: 'skip' | 'silence';
  /**
   * A video shorter than the span: `fit` (its K frames spread over what there is, its audio
   * repeated to fill the span), `pad` (last frame repeated, silence after the audio) or `skip`.
   * Default fit: frozen frames and trailing silence are a cue both modalities share, and on
   * AV digits of mixed durations the `pad` runs clustered by "shorter than the span" (NMI 0.32)
   * more than by the digit (0.10).
   */
  short: ShortClip;
  /** Kill ffmpeg after this many ms for one clip. Default 60 s. */
  timeoutMs: number;
  /**
   * Address space one ffmpeg child may use, MB (a `ulimit -v`; not on Windows). Default 2048: a
   * 7680x4320 frame decodes in ~200 MB resident (Debian's ffmpeg maps ~300 MB of libraries), so
   * only a damaged or hostile file reaches it, and is skipped naming the limit.
   */
  memoryMb: number;
  /** Decoder/filter threads per ffmpeg process; 1 because we run one process per core. Default 1. */
  threads: number;
  /** More decoder errors than this inside the span and the clip is reported as corrupt. Default 4. */
  maxDecodeErrors: number;
}

/**
 * The defaults of every decode option. The clip settings are those of the README's measured
 * figures (4 frames of 32x32 and a 99 x 40 log-mel over 2 s; training at 75 clips/s on two cores,
 * `make bench ONLY=train-throughput`). Larger clips (e.g. `--frames 8 --size 64
 * --mel-bins 64 --hop-ms 10`, the decode defaults before they were made one set) cost more per clip.
 */
export const DEFAULT_DECODE: Readonly<DecodeOptions> = Object.freeze({
  clipSeconds: 2, // the span; one clip from the middle of each video
  frames: 4, // spread evenly over the span: 2 frames/s
  size: 32, // short side scaled to 32, centre crop
  sampleRate: 16_000,
  melBins: 40,
  winMs: 25,
  hopMs: 20, // 99 spectrogram frames over 2 s
  missingAudio: 'skip',
  short: 'fit',
  timeoutMs: 60_000,
  memoryMb: 2048,
  threads: 1,
  maxDecodeErrors: 4,
});

/** Fills defaults and checks ranges. @throws ConfigError naming the bad option. */
export function resolveDecodeOptions(partial: Partial<DecodeOptions> = {}): DecodeOptions {
  // Only decode options: callers pass wider objects (cache options with paths, shard...).
  const keys = new Set<string>([...Object.keys(DEFAULT_DECODE), 'fps']);
  const defined = Object.fromEntries(Object.entries(partial).filter(([k, v]) => keys.has(k) && v !== undefined));
  const o: DecodeOptions = { ...DEFAULT_DECODE, ...defined };
  const positive = (name: keyof DecodeOptions, v: number | undefined, int = false) => {
    if (v === undefined) return;
    if (!(Number.isFinite(v) && v > 0) || (int && !Number.isInteger(v))) {
      throw new ConfigError(`${name} must be a positive ${int ? 'integer' : 'number'}, got ${v}`);
    }
  };
  positive('clipSeconds', o.clipSeconds);
  positive('frames', o.frames, true);
  positive('fps', o.fps);
  positive('size', o.size, true);
  positive('sampleRate', o.sampleRate, true);
  positive('melBins', o.melBins, true);
  positive('winMs', o.winMs);
  positive('hopMs', o.hopMs);
  positive('timeoutMs', o.timeoutMs);
  positive('memoryMb', o.memoryMb);
  positive('threads', o.threads, true);
  if (!(o.maxDecodeErrors >= 0)) throw new ConfigError(`maxDecodeErrors must be >= 0, got ${o.maxDecodeErrors}`);
  if (o.missingAudio !== 'skip' && o.missingAudio !== 'silence') {
    throw new ConfigError(`--missing-audio must be skip or silence, got ${String(o.missingAudio)}`);
  }
  if (!SHORT_CLIP_CHOICES.includes(o.short)) throw new ConfigError(`--short must be ${SHORT_CLIP_CHOICES.join(', ')}, got ${String(o.short)}`);
  return o;
}

/** Frame rate actually used: `fps`, or K / clipSeconds. */
export function frameRate(o: DecodeOptions): number {
  return o.fps ?? o.frames / o.clipSeconds;
}

/** Spectrogram options implied by the decode options. */
export function melSpecOptions(o: DecodeOptions): MelSpecOptions {
  return {
    sampleRate: o.sampleRate,
    winLength: Math.round((o.winMs * o.sampleRate) / 1000),
    hopLength: Math.round((o.hopMs * o.sampleRate) / 1000),
    nMels: o.melBins,
  };
}

/** Audio samples per clip: round(clipSeconds * sampleRate). */
export function clipSamples(o: DecodeOptions): number {
  return Math.round(o.clipSeconds * o.sampleRate);
}

/** The tensor shapes every clip decoded with `o` has. */
export function clipShapes(o: DecodeOptions): { frameShape: [number, number, number, 3]; specShape: [number, number] } {
  const m = melSpecOptions(o);
  return {
    frameShape: [o.frames, o.size, o.size, 3],
    specShape: [specFrameCount(clipSamples(o), m.winLength, m.hopLength), o.melBins],
  };
}
