/**
 * The clip flags `selavi decode` and `selavi cluster` share, declared once with one set of
 * defaults (DEFAULT_DECODE), so a cache decoded with the defaults is what `cluster --cache`
 * asks for with the defaults.
 */
import type { Argv } from 'yargs';
import { DEFAULT_DECODE, SHORT_CLIP_CHOICES, type DecodeOptions, type ShortClip } from '../media/decode-options.js';

/** The flags, as yargs parses them. */
export interface ClipFlags {
  'clip-seconds': number;
  frames: number;
  size: number;
  'mel-bins': number;
  'hop-ms': number;
  'missing-audio': 'skip' | 'silence';
  short: ShortClip;
}

/** Adds the clip flags to a command. */
export function withClipFlags<T>(y: Argv<T>): Argv<T & ClipFlags> {
  const d = DEFAULT_DECODE;
  return y
    .option('frames', { type: 'number', default: d.frames, describe: 'frames per clip, spread evenly over the span' })
    .option('size', { type: 'number', default: d.size, describe: 'frame side in pixels (short side scaled, centre crop)' })
    .option('clip-seconds', { type: 'number', default: d.clipSeconds, describe: 'clip span, seconds (one clip from the middle of each video)' })
    .option('mel-bins', { type: 'number', default: d.melBins, describe: 'log-mel bins' })
    .option('hop-ms', { type: 'number', default: d.hopMs, describe: `spectrogram hop, ms (window --win-ms on decode, default ${d.winMs})` })
    .option('missing-audio', { choices: ['skip', 'silence'] as const, default: d.missingAudio, describe: 'a video without audio: skip it (listed in skipped.csv), or use silence' })
    .option('short', { choices: SHORT_CLIP_CHOICES, default: d.short, describe: 'a video shorter than the span: fit (its frames spread over what it has, its audio repeated to fill the span), pad (last frame repeated, then silence: a cue both modalities share) or skip it' }) as Argv<T & ClipFlags>;
}

/** The decode options the flags set. */
export function clipOptionsFrom(a: ClipFlags): Pick<DecodeOptions, 'clipSeconds' | 'frames' | 'size' | 'melBins' | 'hopMs' | 'missingAudio' | 'short'> {
  return { clipSeconds: a['clip-seconds'], frames: a.frames, size: a.size, melBins: a['mel-bins'], hopMs: a['hop-ms'], missingAudio: a['missing-audio'], short: a.short };
}
