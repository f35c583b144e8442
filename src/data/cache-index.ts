/**
 * The on-disk clip cache format, its per-shard indexes and their merge.
 *
 * A cache directory holds, per shard, `shard-IIII-of-NNNN.bin` (fixed-size records, one per clip,
 * in index order) and `shard-IIII-of-NNNN.json` (written last, atomically: its presence means the
 * shard is complete). One record:
 *   bytes [0, T*S*S*3)          frames, uint8 RGB [T, S, S, 3]. Lossless: ffmpeg hands us rgb24,
 *                               and [0,1] floats are k/255, so k = round(v * 255) restores them; 4x
 *                               smaller than float32 (and float16 would be lossy for no gain).
 *   bytes [specOffset, +F*M*4)  log-mel, float32 little-endian [F, M] (specOffset = frame bytes
 *                               rounded up to 4 so the spectrogram can be viewed without copying).
 * Fixed-size records make `get(i)` one positioned read.
 */
import { promises as fsp } from 'node:fs';
import { writeFileAtomicAsync } from '../util/atomic-write.js';
import path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import type { DecodeOptions } from '../media/decode-options.js';
import { MERGED_INDEX, SHARD_INDEX_RE, SKIPPED_CSV, shardStem, type ShardSpec } from './cache-files.js';
import { writeSkippedCsv } from './skipped.js';
import type { SkippedItem } from './types.js';

/** Format tag and version written into every index. */
export const CACHE_FORMAT = 'selavi-clip-cache';
export const CACHE_VERSION = 1;

/** Decode options that change cache content (timeouts and threads do not). */
export type CacheContentOptions = Omit<DecodeOptions, 'timeoutMs' | 'threads' | 'memoryMb'> & { clipsPerVideo: number };

/** Byte layout of one record. */
export interface RecordLayout {
  frameDtype: 'uint8';
  specDtype: 'float32le';
  frameBytes: number;
  specOffset: number;
  recordBytes: number;
}

/** Record layout for the given shapes. */
export function recordLayout(frameShape: readonly number[], specShape: readonly number[]): RecordLayout {
  const frameBytes = frameShape.reduce((a, b) => a * b, 1);
  const specOffset = Math.ceil(frameBytes / 4) * 4;
  return { frameDtype: 'uint8', specDtype: 'float32le', frameBytes, specOffset, recordBytes: specOffset + specShape[0] * specShape[1] * 4 };
}

/** Metadata of one cached clip. */
export interface CachedClipMeta {
  path: string;
  start: number;
  hasAudio: boolean;
  padded: boolean;
  /** Why a clip that was used is suspect (decoder errors in its span), when it is. */
  note?: string;
}

/** What every index of one cache shares: format, decode options and the record layout. */
export interface CacheContent {
  format: typeof CACHE_FORMAT;
  version: number;
  options: CacheContentOptions;
  frameShape: [number, number, number, 3];
  specShape: [number, number];
  layout: RecordLayout;
}

/** `shard-IIII-of-NNNN.json`. */
export interface ShardIndex extends CacheContent {
  complete: true;
  shard: ShardSpec;
  createdAt: string;
  /** Base name of the shard's record file. */
  bin: string;
  /** Files this shard was given (before skipping). */
  videos: number;
  /** Record i of `bin` is clips[i]. */
  clips: CachedClipMeta[];
  skipped: SkippedItem[];
}

/** The merged view of all shards (also written as `index.json`). */
export interface CacheIndex extends CacheContent {
  shardCount: number;
  /** Complete shards, in shard order. */
  shards: { index: number; bin: string; clips: number }[];
  /** Shards of `shardCount` not (yet) complete: the cache is usable but partial. */
  missingShards: number[];
  videos: number;
  /** All clips: shard order, then record order. */
  clips: (CachedClipMeta & { shard: number; record: number })[];
  skipped: SkippedItem[];
}

/** Reads and checks one shard index. @throws InputError when it is not a cache index. */
export async function readShardIndex(file: string): Promise<ShardIndex> {
  let idx: ShardIndex;
  try {
    idx = JSON.parse(await fsp.readFile(file, 'utf8')) as ShardIndex;
  } catch (err) {
    throw new InputError(file, `cannot read shard index: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (idx === null || typeof idx !== 'object' || idx.format !== CACHE_FORMAT || !idx.complete || !Array.isArray(idx.clips)) {
    throw new InputError(file, 'not a complete selavi clip-cache shard index');
  }
  if (idx.version !== CACHE_VERSION) throw new InputError(file, `cache format version ${idx.version}, this selavi reads ${CACHE_VERSION}: decode again`);
  const why = shardIndexDamage(idx);
  if (why !== undefined) throw new InputError(file, `damaged shard index: ${why}; decode again`);
  return idx;
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isDims = (a: unknown, rank: number): boolean => Array.isArray(a) && a.length === rank && a.every((n) => isCount(n) && n > 0);

/**
 * What is wrong with a parsed shard index, or undefined: every field the reader relies on has the
 * right type, the record layout follows from the shapes, and the record file is this shard's own
 * (a name like `../x` would read outside the cache).
 */
function shardIndexDamage(idx: ShardIndex): string | undefined {
  const s = idx.shard as Partial<ShardSpec> | undefined;
  if (!s || !isCount(s.index) || !isCount(s.count) || s.index >= s.count) return 'bad shard number';
  if (!isDims(idx.frameShape, 4) || idx.frameShape[3] !== 3) return 'bad frame shape';
  if (!isDims(idx.specShape, 2)) return 'bad spectrogram shape';
  const expected = recordLayout(idx.frameShape, idx.specShape);
  if (!Number.isSafeInteger(expected.recordBytes)) return 'shapes too large';
  if (JSON.stringify(idx.layout) !== JSON.stringify(expected)) return 'record layout does not match the shapes';
  if (idx.bin !== `${shardStem(s as ShardSpec)}.bin`) return `record file ${JSON.stringify(idx.bin)} is not this shard's`;
  if (idx.options === null || typeof idx.options !== 'object') return 'no decode options';
  if (!isCount(idx.videos) || !Array.isArray(idx.skipped)) return 'bad file counts';
  for (const c of idx.clips) {
    if (c === null || typeof c !== 'object' || typeof c.path !== 'string' || !Number.isFinite(c.start) || typeof c.hasAudio !== 'boolean') return 'bad clip entry';
    if ((c.padded !== undefined && typeof c.padded !== 'boolean') || (c.note !== undefined && typeof c.note !== 'string')) return 'bad clip entry';
  }
  for (const k of idx.skipped) if (k === null || typeof k !== 'object' || typeof k.path !== 'string' || typeof k.reason !== 'string') return 'bad skipped entry';
  return undefined;
}

/** Stable JSON of content options, for equality checks. */
export function optionsKey(o: CacheContentOptions): string {
  return JSON.stringify(Object.keys(o).sort().map((k) => [k, (o as unknown as Record<string, unknown>)[k]]));
}

/**
 * Merges the complete shard indexes in `dir` into one {@link CacheIndex}; with `write` (default)
 * also writes `index.json` and the merged `skipped.csv` (atomically). Shards still missing are
 * listed in `missingShards`.
 * @throws InputError when `dir` has no complete shard; ConfigError when shards disagree on options
 * or shard count (two different `decode` runs into one directory).
 */
export async function mergeCacheIndexes(dir: string, opts: { write?: boolean } = {}): Promise<CacheIndex> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    throw new InputError(dir, `cannot read cache directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const shardNames = names.filter((n) => SHARD_INDEX_RE.test(n)).sort();
  if (!shardNames.length) throw new InputError(dir, 'no complete cache shard here (run `selavi decode VIDEOS --out DIR` first)');
  const shards = await Promise.all(shardNames.map((n) => readShardIndex(path.join(dir, n))));
  const first = shards[0];
  const key = optionsKey(first.options);
  for (const s of shards) {
    if (s.shard.count !== first.shard.count) {
      throw new ConfigError(`${dir}: shards split ${first.shard.count} and ${s.shard.count} ways: decode into separate directories`);
    }
    if (optionsKey(s.options) !== key) throw new ConfigError(`${dir}: shard ${s.shard.index} was decoded with other options than shard ${first.shard.index}`);
  }
  const present = new Set(shards.map((s) => s.shard.index));
  const merged: CacheIndex = {
    format: CACHE_FORMAT,
    version: CACHE_VERSION,
    options: first.options,
    frameShape: first.frameShape,
    specShape: first.specShape,
    layout: first.layout,
    shardCount: first.shard.count,
    shards: shards.map((s) => ({ index: s.shard.index, bin: s.bin, clips: s.clips.length })),
    missingShards: Array.from({ length: first.shard.count }, (_, i) => i).filter((i) => !present.has(i)),
    videos: shards.reduce((a, s) => a + s.videos, 0),
    clips: shards.flatMap((s) => s.clips.map((c, record) => ({ ...c, shard: s.shard.index, record }))),
    skipped: shards.flatMap((s) => s.skipped),
  };
  if (opts.write ?? true) await writeCacheIndex(dir, merged);
  return merged;
}

/** Writes a merged index as `index.json` and its `skipped.csv` (atomically). */
export async function writeCacheIndex(dir: string, merged: CacheIndex): Promise<void> {
  await writeSkippedCsv(path.join(dir, SKIPPED_CSV), merged.skipped);
  await writeFileAtomicAsync(path.join(dir, MERGED_INDEX), JSON.stringify(merged));
}
