/**
 * File names inside a cache directory (written with `writeFileAtomicAsync` from util/atomic-write).
 */
import path from 'node:path';

/** `--shard i/n` as numbers: 0 <= index < count. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Zero-padded so shard files sort in shard order: `shard-0002-of-0008`. */
export function shardStem(s: ShardSpec): string {
  const pad = (n: number) => String(n).padStart(4, '0');
  return `shard-${pad(s.index)}-of-${pad(s.count)}`;
}

/** Matches a shard index file name and captures index and count. */
export const SHARD_INDEX_RE = /^shard-(\d+)-of-(\d+)\.json$/;

/** Paths of one shard's files inside `dir`. */
export function shardFiles(dir: string, s: ShardSpec): { bin: string; index: string; skipped: string } {
  const stem = path.join(dir, shardStem(s));
  return { bin: `${stem}.bin`, index: `${stem}.json`, skipped: `${stem}.skipped.csv` };
}

/**
 * A task's temp record file (`shard-IIII-of-NNNN.bin.<host-pid-random>.tmp`), of the shard `stem`
 * when given, of any shard otherwise.
 */
export function isShardTempFile(name: string, stem?: string): boolean {
  return name.endsWith('.tmp') && (stem !== undefined ? name.startsWith(`${stem}.bin.`) : /^shard-\d+-of-\d+\.bin\./.test(name));
}

/** Merged index of all shards (written by `mergeCacheIndexes`). */
export const MERGED_INDEX = 'index.json';
/** Probe results, one JSON object per line. */
export const MANIFEST_FILE = 'manifest.jsonl';
/** Every skipped file of the cache, `path,reason`. */
export const SKIPPED_CSV = 'skipped.csv';

