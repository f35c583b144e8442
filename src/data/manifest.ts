/**
 * The probe manifest: one ffprobe per file, ever, unless the file changes.
 *
 * Stored as JSON Lines (`manifest.jsonl` in the cache dir), one entry per line, keyed by absolute
 * path + size + mtime; the last line for a path wins. Append-only, one `write` per line, so
 * several `--shard` processes can share the file (O_APPEND writes of a short line do not
 * interleave on local file systems) and a killed run keeps what it probed. A torn last line is
 * ignored on load. Probe failures are remembered too (an unchanged broken file stays broken),
 * except timeouts, which may be load and are retried next run.
 */
import { promises as fsp } from 'node:fs';
import { writeFileAtomicAsync } from '../util/atomic-write.js';
import path from 'node:path';
import { InputError } from '../errors.js';
import { probeMedia, type MediaInfo, type ProbeOptions } from '../media/probe.js';
import { MANIFEST_FILE } from './cache-files.js';
import { parallelMap } from './clip-stream.js';

/** One probed file. */
export interface ManifestEntry {
  /** Absolute path (the key). */
  path: string;
  size: number;
  mtimeMs: number;
  /** The probe result, when the probe worked. */
  info?: MediaInfo;
  /** Why the probe failed, when it did. */
  error?: string;
}

/** A manifest entry for one input file, in input order. */
export interface ManifestRow extends ManifestEntry {
  /** The path as given by the caller (relative or absolute). */
  file: string;
}

/** Options of {@link buildManifest}. */
export interface ManifestOptions {
  /** Directory holding `manifest.jsonl`; no persistence when absent. */
  cacheDir?: string;
  /** Parallel ffprobe processes. Default: cores. */
  concurrency?: number;
  /** Per-file probe timeout, ms. Default 20 s. */
  timeoutMs?: number;
  /** Injected prober (tests); default `probeMedia`. */
  probe?: (file: string, opts: ProbeOptions) => Promise<MediaInfo>;
  /** Called after each file (probed or reused). */
  onFile?: (row: ManifestRow, probed: boolean) => void;
  signal?: AbortSignal;
}

/** What {@link buildManifest} did. */
export interface ManifestResult {
  rows: ManifestRow[];
  /** Files probed this run. */
  probed: number;
  /** Files whose earlier probe was reused. */
  reused: number;
}

/** JSON has no NaN: an unknown duration is stored as null and restored here. */
function revive(e: ManifestEntry): ManifestEntry {
  if (e.info && (e.info.duration === null || e.info.duration === undefined)) e.info.duration = Number.NaN;
  return e;
}

/** Reads a manifest file into a map path -> latest entry; missing file = empty map. */
export async function loadManifest(file: string): Promise<{ entries: Map<string, ManifestEntry>; lines: number }> {
  const entries = new Map<string, ManifestEntry>();
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries, lines: 0 };
    throw new InputError(file, `cannot read manifest: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let lines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    lines++;
    try {
      const e = JSON.parse(line) as ManifestEntry;
      if (typeof e.path === 'string' && typeof e.size === 'number' && typeof e.mtimeMs === 'number') entries.set(e.path, revive(e));
    } catch {
      // a torn line from a killed writer: skip it, the file will be probed again
    }
  }
  return { entries, lines };
}

/**
 * Probes every file in `files` that the manifest does not know in its current size and mtime,
 * in parallel, and returns one row per file in input order. Never throws for a bad file: its
 * row has `error` set (unreadable, empty, not media, timeout...).
 */
export async function buildManifest(files: readonly string[], opts: ManifestOptions = {}): Promise<ManifestResult> {
  const manifestFile = opts.cacheDir ? path.join(opts.cacheDir, MANIFEST_FILE) : undefined;
  const known = manifestFile ? await loadManifest(manifestFile) : { entries: new Map<string, ManifestEntry>(), lines: 0 };
  // Compact when most lines are stale (files changed many times); losing a line another shard
  // appends meanwhile only costs a re-probe.
  if (manifestFile && known.lines > 64 && known.lines > 2 * known.entries.size) {
    await writeFileAtomicAsync(manifestFile, [...known.entries.values()].map((e) => JSON.stringify(e) + '\n').join(''));
  }
  const probe = opts.probe ?? probeMedia;
  const rows: ManifestRow[] = new Array(files.length);
  let probed = 0;
  let reused = 0;
  const fh = manifestFile ? await fsp.open(manifestFile, 'a') : undefined;
  try {
    const tasks = files.map((file, i) => ({ file, i }));
    const work = async ({ file }: { file: string }, _i: number, signal: AbortSignal) => {
      const abs = path.resolve(file);
      let st;
      try {
        st = await fsp.stat(abs);
      } catch (err) {
        return { row: { file, path: abs, size: -1, mtimeMs: -1, error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }, kind: 'unreadable' as const, keep: false };
      }
      const old = known.entries.get(abs);
      if (old && old.size === st.size && old.mtimeMs === st.mtimeMs) return { row: { ...old, file }, kind: 'reused' as const, keep: false };
      const base = { path: abs, size: st.size, mtimeMs: st.mtimeMs };
      try {
        const info = await probe(file, { timeoutMs: opts.timeoutMs, signal });
        return { row: { file, ...base, info }, kind: 'probed' as const, keep: true };
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        return { row: { file, ...base, error: err.reason }, kind: 'probed' as const, keep: !/timed out|aborted/.test(err.reason) };
      }
    };
    for await (const s of parallelMap(tasks, work, { concurrency: opts.concurrency, ordered: false, signal: opts.signal })) {
      if (!s.ok) throw s.error;
      const { row, kind, keep } = s.value;
      rows[s.item.i] = row;
      if (kind === 'probed') probed++;
      else if (kind === 'reused') reused++;
      if (fh && keep) {
        const { file: _file, ...entry } = row;
        await fh.write(JSON.stringify(entry) + '\n');
      }
      opts.onFile?.(row, kind === 'probed');
    }
  } finally {
    await fh?.close();
  }
  return { rows, probed, reused };
}
