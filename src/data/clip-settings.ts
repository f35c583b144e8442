/**
 * The clip settings a training run and a clip cache must agree on, and the one-line message
 * when they do not (`selavi cluster --cache DIR` on a cache decoded with other flags).
 */
import type { DecodeOptions } from '../media/decode-options.js';
import type { CacheContentOptions } from './cache-index.js';

/** Each setting `selavi cluster` can ask for, and the flag that sets it (same on `decode`). */
export const CLIP_SETTING_FLAGS = {
  clipSeconds: '--clip-seconds',
  frames: '--frames',
  size: '--size',
  melBins: '--mel-bins',
  hopMs: '--hop-ms',
  missingAudio: '--missing-audio',
  short: '--short',
} as const satisfies Partial<Record<keyof DecodeOptions, string>>;

/** A setting of {@link CLIP_SETTING_FLAGS}. */
export type ClipSetting = keyof typeof CLIP_SETTING_FLAGS;

/**
 * The settings where `cache` differs from `wanted`, as flags: `undefined` when they agree.
 * @example clipSettingsMismatch(cache.options, resolveDecodeOptions({ frames: 8 }))
 *   // { cache: '--frames 4', wanted: '--frames 8' }
 */
export function clipSettingsMismatch(cache: CacheContentOptions, wanted: DecodeOptions): { cache: string; wanted: string } | undefined {
  const differ = (Object.keys(CLIP_SETTING_FLAGS) as ClipSetting[]).filter((k) => cache[k] !== wanted[k]);
  if (!differ.length) return undefined;
  const flags = (o: Pick<DecodeOptions, ClipSetting>) => differ.map((k) => `${CLIP_SETTING_FLAGS[k]} ${o[k]}`).join(' ');
  return { cache: flags(cache), wanted: flags(wanted) };
}
