/**
 * The clip cache a `selavi cluster` run trains on: RUN/cache (decoded on the way, resumable), or
 * `--cache DIR`. A DIR that holds decoded shards (`selavi decode --out DIR [--shard i/n]`, on one
 * machine or gathered from several) is used as it is, without decoding: its clip settings must
 * be the run's, and every shard must be done. An empty or new DIR is decoded into.
 *
 * The run records which cache and which clip settings it used in RUN/clips.json (what
 * `selavi assign --run RUN` decodes new videos with), and every file not used in RUN/skipped.csv.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import { buildCache } from '../data/cache.js';
import { SHARD_INDEX_RE } from '../data/cache-files.js';
import type { CacheContentOptions } from '../data/cache-index.js';
import { openCache, type ClipCache } from '../data/cache-reader.js';
import { clipSettingsMismatch } from '../data/clip-settings.js';
import { writeSkippedCsv } from '../data/skipped.js';
import type { SkippedItem } from '../data/types.js';
import { resolveDecodeOptions, type DecodeOptions } from '../media/decode-options.js';
import type { ProgressMode } from '../report/progress.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Where a run's clips come from. */
export interface RunCacheSource {
  /** Folder of videos (or one file); optional when `cache` already holds decoded shards. */
  videos?: string;
  /** Cache folder; default `RUN/cache`. */
  cache?: string;
  /** The run folder. */
  out: string;
  /** The run's clip settings (defaults: DEFAULT_DECODE). */
  decode: Partial<DecodeOptions>;
  /** How decode progress is shown (default auto). */
  progress?: ProgressMode;
}

/** An open cache and what was not used. */
export interface RunCache {
  cache: ClipCache;
  dir: string;
  skipped: SkippedItem[];
  /** False when a decoded cache was used as it is. */
  decoded: boolean;
}

/** `RUN/clips.json`: the cache a run trained on. */
export interface RunClipsRecord {
  /** Absolute path of the cache folder. */
  cache: string;
  /** Its decode options (the clip settings `assign --run` decodes new videos with). */
  options: CacheContentOptions;
  clips: number;
}

/** The record file of a run. */
export const RUN_CLIPS_FILE = 'clips.json';

/** True when `dir` holds at least one complete shard index. */
function holdsShards(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((n) => SHARD_INDEX_RE.test(n));
}

/**
 * Opens (decoding first when needed) the cache of a run; writes RUN/clips.json and
 * RUN/skipped.csv. The caller closes `cache`.
 * @throws ConfigError when a decoded `--cache` was made with other clip settings or lacks shards;
 * InputError when there is nothing to decode or no usable clip.
 */
export async function openRunCache(src: RunCacheSource, say: (line: string) => void): Promise<RunCache> {
  const dir = src.cache ?? path.join(src.out, 'cache');
  const wanted = resolveDecodeOptions(src.decode);
  let skipped: SkippedItem[];
  let decoded: boolean;
  let cache: ClipCache;
  if (src.cache !== undefined && holdsShards(dir)) {
    // ===== reuse: a cache built by `selavi decode` =====
    cache = await openCache(dir);
    try {
      const diff = clipSettingsMismatch(cache.options, wanted);
      if (diff) throw new ConfigError(`--cache ${dir}: decoded with ${diff.cache}, this run asks for ${diff.wanted}: give cluster the clip flags decode was given, or decode again into another folder`);
      if (cache.missingShards.length) {
        const n = cache.index.shardCount;
        throw new ConfigError(`--cache ${dir}: shard${cache.missingShards.length > 1 ? 's' : ''} ${cache.missingShards.join(', ')} of ${n} not decoded yet (selavi decode VIDEOS --out ${dir} --shard i/${n})`);
      }
    } catch (err) {
      cache.close();
      throw err;
    }
    skipped = cache.index.skipped;
    decoded = false;
    say(`${cache.size} clips read from the cache ${dir}, not decoded again${src.videos !== undefined ? ` (${src.videos} is not read)` : ''}`);
  } else {
    // ===== decode into the cache (resumable: complete shards are kept) =====
    if (src.videos === undefined) throw new ConfigError(`--cache ${dir}: holds no decoded clips; give the folder of videos to decode into it`);
    if (!existsSync(src.videos)) throw new InputError(src.videos, 'no such file or folder');
    const summary = await buildCache({ ...src.decode, videos: src.videos, out: dir, progress: src.progress, say });
    for (const s of summary.skipped) say(`skipped ${s.path}: ${s.reason}`);
    cache = await openCache(dir);
    for (const c of cache.index.clips) if (c.note !== undefined) say(`used ${c.path}: ${c.note}`);
    skipped = summary.skipped;
    decoded = true;
  }
  const skippedCsv = path.join(src.out, 'skipped.csv');
  await writeSkippedCsv(skippedCsv, skipped);
  if (cache.size === 0) {
    cache.close();
    throw new InputError(src.videos ?? dir, `no usable clip (reasons in ${skippedCsv})`);
  }
  const record: RunClipsRecord = { cache: path.resolve(dir), options: cache.options, clips: cache.size };
  writeFileAtomic(path.join(src.out, RUN_CLIPS_FILE), JSON.stringify(record, null, 1));
  if (decoded) say(`${cache.size} clips decoded (${skipped.length} skipped, listed in ${skippedCsv})`);
  else say(`${skipped.length} files skipped when decoding, listed in ${skippedCsv}`);
  return { cache, dir, skipped, decoded };
}

/**
 * The clip settings a trained run decodes new videos with: RUN/clips.json, or for runs made
 * before it existed, the options of RUN/cache.
 */
export async function runClipOptions(run: string): Promise<CacheContentOptions> {
  const file = path.join(run, RUN_CLIPS_FILE);
  if (existsSync(file)) {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as RunClipsRecord).options;
    } catch (err) {
      throw new InputError(file, `cannot read: ${(err as Error).message}`);
    }
  }
  const cache = await openCache(path.join(run, 'cache'));
  cache.close();
  return cache.options;
}
