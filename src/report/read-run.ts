/**
 * Everything a report shows about a run, read from what the run left on disk: the clusters CSV
 * (`path,cluster,confidence,…`), and beside a run's `clusters.csv` its `config.json`,
 * `metrics.json`, `log.jsonl`, `model/model.json` (the chosen head), `released.json` (a
 * `cluster --init` run) and its clip cache (`clips.json` names it, else `cache/`: each clip's
 * span, duration and audio).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { headerIndex, parseCsvRecords } from '../eval/csv-records.js';
import { readRunSources, type RunSources } from './run-sources.js';

/** One row of the clusters CSV. */
export interface RunRow {
  /** The item as the CSV names it (a path relative to the run's cwd, or `idx:<i>`). */
  name: string;
  cluster: number;
  /** Softmax probability of the item's cluster, [0, 1]; NaN when the CSV has no `confidence`. */
  confidence: number;
}

/** What the run's clip cache knows about one video. */
export interface ClipFacts {
  /** Start of the clip the run used, seconds. */
  start?: number;
  /** Length of that clip, seconds. */
  seconds?: number;
  /** Duration of the video, seconds. */
  duration?: number;
  hasAudio?: boolean;
  /** Why the clip is suspect though it was used (decoder errors), in words. */
  note?: string;
}

/** One line of log.jsonl (the fields the report plots). */
export interface LogEntry {
  event: string;
  step: number;
  epoch: number;
  loss: number | null;
  changed?: number[];
  nmi_truth?: number[];
  nmi_modality_truth?: Record<string, number>;
  nmi_nuisance?: Record<string, number>;
}

/** A run as the report reads it. */
export interface RunFiles {
  /** The clusters CSV. */
  csv: string;
  /** The run folder when `csv` is a run's `clusters.csv`, else undefined. */
  dir?: string;
  rows: RunRow[];
  sources?: RunSources;
  config?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  log: LogEntry[];
  /** The head that answers (`cluster` is in its numbering), and the rule that chose it. */
  head?: number;
  headRule?: string;
  /** The heads whose sum answers (model.json's `answer`; the answering head first); absent: that head alone. */
  answerHeads?: number[];
  /** `released.json` of a `cluster --init` run (the released model it started from). */
  released?: Record<string, unknown>;
  /** Per absolute video path, from the run's cache. */
  clips: Map<string, ClipFacts>;
  /** The file an item name stands for (absolute). */
  resolve: (name: string) => string;
}

/** `RUN` (a folder holding clusters.csv) or a clusters CSV itself -> the CSV. */
export function clustersCsvOf(run: string): string {
  if (!existsSync(run)) throw new InputError(run, 'no such run folder or clusters CSV');
  if (statSync(run).isDirectory()) {
    const csv = path.join(run, 'clusters.csv');
    if (!existsSync(csv)) throw new InputError(run, 'no clusters.csv in this folder (is the run finished?)');
    return csv;
  }
  return run;
}

/** Parses a clusters CSV with its optional `confidence` column. */
export function parseRunRows(text: string, file: string): RunRow[] {
  const [header, ...records] = parseCsvRecords(text, file);
  const index = headerIndex(header?.fields ?? []);
  const [p, c, conf] = [index.get('path'), index.get('cluster'), index.get('confidence')];
  if (p === undefined || c === undefined) throw new InputError(file, 'expected a CSV with a header naming at least `path,cluster`');
  return records.map((r) => {
    const cluster = Number(r.fields[c]);
    if (!Number.isInteger(cluster)) throw new InputError(file, `line ${r.line}: cluster ${JSON.stringify(r.fields[c])} is not a whole number`);
    return { name: r.fields[p], cluster, confidence: conf === undefined ? NaN : Number(r.fields[conf]) };
  });
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined; // a half-written or foreign file: the report goes on without it
  }
}

function readLog(file: string): LogEntry[] {
  if (!existsSync(file)) return [];
  const out: LogEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line cut by a kill: skip it
    }
  }
  return out;
}

/**
 * Resolves item names to files: relative to the run's cwd, or, for a cache decoded elsewhere
 * (`cluster --cache DIR` from another folder), the manifest's absolute path that ends with the name.
 */
function nameResolver(cwd: string, known: readonly string[]): (name: string) => string {
  const byBase = new Map<string, string[]>();
  for (const file of known) {
    const list = byBase.get(path.basename(file)) ?? [];
    list.push(file);
    byBase.set(path.basename(file), list);
  }
  const knownSet = new Set(known);
  return (name) => {
    const direct = path.resolve(cwd, name);
    if (knownSet.has(direct) || existsSync(direct)) return direct;
    const tail = path.sep + path.normalize(name).replace(/^(\.\.?[\\/])+/, '');
    return byBase.get(path.basename(name))?.find((f) => f.endsWith(tail)) ?? direct;
  };
}

/** Clip spans from the cache's index (or shard indexes), durations and audio from its manifest. */
function readCacheFacts(cacheDir: string, cwd: string): { clips: Map<string, ClipFacts>; resolve: (name: string) => string } {
  const facts = new Map<string, ClipFacts>();
  const manifest = path.join(cacheDir, 'manifest.jsonl');
  if (existsSync(manifest)) {
    for (const line of readFileSync(manifest, 'utf8').split('\n')) {
      try {
        const row = JSON.parse(line) as { path: string; info?: { duration?: number; audio?: unknown } };
        facts.set(row.path, { ...(Number.isFinite(row.info?.duration) && { duration: row.info!.duration }), hasAudio: row.info?.audio !== undefined });
      } catch {
        // blank or cut line
      }
    }
  }
  const resolve = nameResolver(cwd, [...facts.keys()]);
  type Index = { options?: { clipSeconds?: number }; clips?: { path: string; start: number; hasAudio?: boolean; note?: string }[] };
  const merged = readJson(path.join(cacheDir, 'index.json')) as Index | undefined;
  const shards = merged ? [merged] : existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => /^shard-\d+-of-\d+\.json$/.test(n)).map((n) => readJson(path.join(cacheDir, n)) as Index) : [];
  for (const index of shards) {
    for (const clip of index?.clips ?? []) {
      const key = resolve(clip.path);
      const f = facts.get(key) ?? {};
      if (f.start !== undefined) continue; // several clips per video: the first stands for it
      facts.set(key, { ...f, start: clip.start, seconds: index.options?.clipSeconds, ...(clip.hasAudio !== undefined && { hasAudio: clip.hasAudio }), ...(typeof clip.note === 'string' && { note: clip.note }) });
    }
  }
  return { clips: facts, resolve };
}

/** Reads `run` (a run folder or a clusters CSV) and what lies beside it. */
export function readRun(run: string): RunFiles {
  const csv = clustersCsvOf(run);
  const rows = parseRunRows(readFileSync(csv, 'utf8'), csv);
  if (rows.length === 0) throw new InputError(csv, 'no rows after the header');
  const sources = readRunSources(csv);
  const cwd = sources?.cwd ?? process.cwd();
  // The other files belong to the CSV only when it is a run's (or `assign --weights`') clusters.csv.
  const dir = path.basename(csv) === 'clusters.csv' ? path.dirname(csv) : undefined;
  const files: RunFiles = { csv, rows, sources, log: [], clips: new Map(), resolve: (name) => path.resolve(cwd, name) };
  if (!dir) return files;
  files.dir = dir;
  files.config = readJson(path.join(dir, 'config.json'));
  files.metrics = readJson(path.join(dir, 'metrics.json'));
  files.released = readJson(path.join(dir, 'released.json'));
  files.log = readLog(path.join(dir, 'log.jsonl'));
  const model = readJson(path.join(dir, 'model', 'model.json'));
  const head = files.metrics?.head ?? model?.head;
  if (typeof head === 'number') files.head = head;
  const answer = model?.answer as { heads?: unknown } | undefined;
  if (Array.isArray(answer?.heads) && answer.heads.every((h) => typeof h === 'number')) files.answerHeads = answer.heads as number[];
  // metrics.json exists only with --truth; model.json says the rule too (runs before it did used the consensus rule).
  const rule = files.metrics?.head_rule ?? model?.head_rule;
  files.headRule = typeof rule === 'string' ? rule : model ? 'max-mean-nmi-to-other-heads' : undefined;
  // The cache the run trained on: RUN/clips.json names it (`--cache DIR`), else RUN/cache.
  const cacheDir = readJson(path.join(dir, 'clips.json'))?.cache;
  const cache = readCacheFacts(typeof cacheDir === 'string' ? cacheDir : path.join(dir, 'cache'), cwd);
  files.clips = cache.clips;
  files.resolve = cache.resolve;
  return files;
}
