/**
 * `selavi assign --weights W --export DIR --shard i/n`: the released network's pass over part i of
 * n of the sorted video list, written to `DIR/shard-IIII-of-NNNN/` (items.csv, features, logits,
 * skipped.csv) and, last, `done.json`, which names the checkpoint (name, bytes, SHA-256) and the
 * settings. A rerun of a done shard with the same checkpoint does nothing.
 *
 * `selavi merge DIR` then checks every shard is done with one checkpoint and one set of settings,
 * and writes DIR's items.csv, features and logits in the one-process order (the sorted paths) and
 * the clusters CSV a one-process `assign` writes: the same bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import { readNpyArray } from '../data/npy.js';
import { writeExport } from '../data/export-arrays.js';
import { shardStem, type ShardSpec } from '../data/cache-files.js';
import { writeSkippedCsv } from '../data/skipped.js';
import { comparePaths } from '../media/walk-videos.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { parseCsvRecords } from '../eval/csv-records.js';
import { writeReleasedClusters } from './released-clusters.js';

export const EXPORT_SHARD_FORMAT = 'selavi-export-shard';
const DONE = 'done.json';

/** What a shard's `done.json` holds. */
export interface ExportShardDone {
  format: typeof EXPORT_SHARD_FORMAT;
  shard: ShardSpec;
  checkpoint: { name: string; bytes: number; sha256: string };
  settings: { zNormalize: boolean; k: number[]; modalities: string[] };
  clips: number;
  skipped: { path: string; reason: string }[];
}

/** Name, size and SHA-256 of a checkpoint: what every shard must agree on. */
export async function checkpointIdentity(file: string): Promise<ExportShardDone['checkpoint']> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { name: path.basename(file), bytes: statSync(file).size, sha256: hash.digest('hex') };
}

export const exportShardDir = (dir: string, shard: ShardSpec): string => path.join(dir, shardStem(shard));

/** The done marker of a shard, if it is complete. */
export function readShardDone(dir: string): ExportShardDone | undefined {
  const file = path.join(dir, DONE);
  if (!existsSync(file)) return undefined;
  try {
    const d = JSON.parse(readFileSync(file, 'utf8')) as ExportShardDone;
    return d.format === EXPORT_SHARD_FORMAT ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Writes one shard's arrays, then its done marker (last). */
export async function writeExportShard(
  dir: string,
  names: readonly string[],
  features: Partial<Record<'video' | 'audio', Float32Array>>,
  logits: readonly Float32Array[],
  done: Omit<ExportShardDone, 'format' | 'clips'>,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeExport(dir, names, features, logits, done.settings.k);
  await writeSkippedCsv(path.join(dir, 'skipped.csv'), done.skipped);
  writeFileAtomic(path.join(dir, DONE), JSON.stringify({ format: EXPORT_SHARD_FORMAT, ...done, clips: names.length }));
}

/** Whether `dir` holds export shards (rather than a clip cache). */
export function holdsExportShards(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((n) => /^shard-\d+-of-\d+$/.test(n) && statSync(path.join(dir, n)).isDirectory());
}

export interface ExportMergeSummary {
  out: string;
  clusters: string;
  shards: number;
  clips: number;
  skipped: number;
  head: number;
  head_rule: string;
}

/**
 * Merges the export shards in `dir` into `dir` itself, and writes the clusters CSV to `clustersCsv`.
 * @throws ConfigError naming missing shards, or shards made with another checkpoint or settings.
 */
export async function mergeExportShards(dir: string, clustersCsv: string): Promise<ExportMergeSummary> {
  const shardDirs = readdirSync(dir).filter((n) => /^shard-\d+-of-\d+$/.test(n)).sort();
  const counts = new Set(shardDirs.map((n) => Number(/-of-(\d+)$/.exec(n)![1])));
  if (counts.size !== 1) throw new ConfigError(`${dir}: shards of ${[...counts].join(' and ')}-way splits: export each split into its own folder`);
  const count = [...counts][0]!;
  const dones = Array.from({ length: count }, (_, i) => readShardDone(exportShardDir(dir, { index: i, count })));
  const missing = dones.flatMap((d, i) => (d === undefined ? [i] : []));
  if (missing.length > 0) throw new ConfigError(`${dir}: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} not complete: rerun ${missing.length > 1 ? 'those tasks' : 'that task'}, then merge again`);
  const first = dones[0]!;
  for (const [i, d] of dones.entries()) {
    if (JSON.stringify(d!.checkpoint) !== JSON.stringify(first.checkpoint)) throw new ConfigError(`${dir}: shard ${i} was made with ${d!.checkpoint.name} (sha256 ${d!.checkpoint.sha256.slice(0, 12)}), shard 0 with ${first.checkpoint.name} (sha256 ${first.checkpoint.sha256.slice(0, 12)})`);
    if (JSON.stringify(d!.settings) !== JSON.stringify(first.settings)) throw new ConfigError(`${dir}: shard ${i} was made with other settings than shard 0 (${JSON.stringify(d!.settings)} vs ${JSON.stringify(first.settings)})`);
  }
  const ks = first.settings.k;
  // Rows of every shard, then the one-process order: the sorted paths.
  const rows: { name: string; shard: number; row: number }[] = [];
  const arrays = dones.map((_, i) => {
    const sd = exportShardDir(dir, { index: i, count });
    const names = parseCsvRecords(readFileSync(path.join(sd, 'items.csv'), 'utf8'), path.join(sd, 'items.csv')).slice(1).map((r) => r.fields[0]!);
    names.forEach((name, row) => rows.push({ name, shard: i, row }));
    const read = (f: string) => (existsSync(path.join(sd, f)) ? readNpyArray(path.join(sd, f)) : undefined);
    const logits = ks.map((_, h) => read(`logits-head${h}.npy`));
    if (logits.some((l) => l === undefined || l.shape[0] !== names.length)) throw new InputError(sd, `its arrays do not hold one row per item of items.csv (${names.length})`);
    return { features: Object.fromEntries(first.settings.modalities.map((m) => [m, read(`features-${m}.npy`)])), logits: logits as NonNullable<(typeof logits)[number]>[] };
  });
  rows.sort((a, b) => comparePaths(a.name, b.name));
  const n = rows.length;
  const gather = (pick: (shard: number) => { data: Float32Array; shape: number[] } | undefined): Float32Array | undefined => {
    const sample = pick(0);
    if (!sample) return undefined;
    const d = sample.shape[1]!;
    const out = new Float32Array(n * d);
    rows.forEach((r, i) => out.set(pick(r.shard)!.data.subarray(r.row * d, (r.row + 1) * d), i * d));
    return out;
  };
  const features: Partial<Record<'video' | 'audio', Float32Array>> = {};
  for (const m of first.settings.modalities as ('video' | 'audio')[]) {
    const f = gather((s) => arrays[s]!.features[m] as { data: Float32Array; shape: number[] } | undefined);
    if (f) features[m] = f;
  }
  const logits = ks.map((_, h) => gather((s) => arrays[s]!.logits[h])!);
  const names = rows.map((r) => r.name);
  writeExport(dir, names, features, logits, ks);
  const skipped = dones.flatMap((d) => d!.skipped).sort((a, b) => comparePaths(a.path, b.path));
  await writeSkippedCsv(path.join(dir, 'skipped.csv'), skipped);
  // The clusters, as a one-process assign writes them.
  const { head, rule } = writeReleasedClusters(clustersCsv, names, logits, ks, 'auto');
  return { out: dir, clusters: clustersCsv, shards: count, clips: n, skipped: skipped.length, head, head_rule: rule };
}

/**
 * Why the export in `dir` was not made with `weights`, or undefined: its shards' done markers name
 * the checkpoint (a one-process export has none, and is taken as it is).
 */
export async function exportCheckpointMismatch(dir: string, weights: string): Promise<string | undefined> {
  const shard = existsSync(dir) ? readdirSync(dir).filter((n) => /^shard-\d+-of-\d+$/.test(n)).sort()[0] : undefined;
  const done = shard !== undefined ? readShardDone(path.join(dir, shard)) : undefined;
  if (done === undefined) return undefined;
  const mine = await checkpointIdentity(weights);
  return done.checkpoint.sha256 === mine.sha256 ? undefined : `made with ${done.checkpoint.name} (sha256 ${done.checkpoint.sha256.slice(0, 12)}), not ${mine.name} (sha256 ${mine.sha256.slice(0, 12)})`;
}
