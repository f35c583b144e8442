import { describe, expect, it } from 'vitest';
import type { CacheContentOptions } from '../../src/data/cache-index.js';
import { clipSettingsMismatch } from '../../src/data/clip-settings.js';
import { DEFAULT_DECODE, resolveDecodeOptions } from '../../src/media/decode-options.js';

/** A cache decoded with `decode`'s defaults plus `o`. */
function cacheOptions(o: Partial<CacheContentOptions> = {}): CacheContentOptions {
  const { timeoutMs: _t, threads: _th, ...rest } = DEFAULT_DECODE;
  return { ...rest, clipsPerVideo: 1, ...o };
}

describe('clipSettingsMismatch', () => {
  it('agrees when decode and cluster both use the defaults (one set of defaults)', () => {
    expect(clipSettingsMismatch(cacheOptions(), resolveDecodeOptions())).toBeUndefined();
  });

  it('names only the settings that differ, as the flags that set them', () => {
    const diff = clipSettingsMismatch(cacheOptions({ frames: 8, size: 64, missingAudio: 'silence' }), resolveDecodeOptions({ hopMs: 20 }));
    expect(diff).toEqual({ cache: '--frames 8 --size 64 --missing-audio silence', wanted: '--frames 4 --size 32 --missing-audio skip' });
  });

  it('ignores decode-only options cluster cannot set (sample rate, window, clips per video)', () => {
    expect(clipSettingsMismatch(cacheOptions({ sampleRate: 22050, winMs: 30, clipsPerVideo: 3 }), resolveDecodeOptions())).toBeUndefined();
  });
});
