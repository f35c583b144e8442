/**
 * `selavi merge DIR`: the step after the decode tasks of a split cache. Every shard of the split
 * must be complete and decoded with the same settings; then `index.json` and `skipped.csv` are
 * written (atomically, in shard order: the same bytes whatever order the tasks finished in).
 * Anything missing or mixed is one line and nothing is written.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { isShardTempFile, MERGED_INDEX } from './cache-files.js';
import { mergeCacheIndexes, writeCacheIndex } from './cache-index.js';

/** What a merge wrote. */
export interface MergeSummary {
  out: string;
  index: string;
  shards: number;
  clips: number;
  videos: number;
  skipped: number;
}

/** @throws ConfigError naming the missing shards, or the shards that disagree; InputError when `dir` holds none. */
export async function mergeCache(dir: string): Promise<MergeSummary> {
  const merged = await mergeCacheIndexes(dir, { write: false }); // checks settings and split
  if (merged.missingShards.length > 0) {
    const missing = merged.missingShards;
    const shown = missing.length > 12 ? `${missing.slice(0, 12).join(', ')}, ... (${missing.length} in all)` : missing.join(', ');
    throw new ConfigError(`${dir}: shard${missing.length > 1 ? 's' : ''} ${shown} of ${merged.shardCount} not complete: rerun ${missing.length > 1 ? 'those tasks' : 'that task'} (\`selavi decode ... --shard i/${merged.shardCount}\`), then merge again`);
  }
  await writeCacheIndex(dir, merged);
  // Temp record files left by tasks that were killed (or by a retry that overlapped a task that
  // finished first): every shard is complete, so none of them will be needed.
  for (const n of await fsp.readdir(dir)) if (isShardTempFile(n)) await fsp.rm(path.join(dir, n), { force: true });
  return { out: dir, index: path.join(dir, MERGED_INDEX), shards: merged.shardCount, clips: merged.clips.length, videos: merged.videos, skipped: merged.skipped.length };
}
