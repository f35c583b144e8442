/**
 * `selavi decode`: decodes a video folder into a clip cache (format: cache-index.ts).
 *
 * Flow per shard: walk (sorted) -> keep every n-th entry -> probe (manifest, cached across runs)
 * -> plan clips -> decode in parallel with back-pressure -> append fixed-size records to a temp
 * file -> rename it -> write skipped list -> write the shard index LAST (temp + rename). A crash
 * leaves no index, so the rerun redoes that shard; a complete shard is skipped on rerun.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicAsync } from '../util/atomic-write.js';
import { ConfigError, UserError } from '../errors.js';
import { clipShapes, resolveDecodeOptions, type DecodeOptions } from '../media/decode-options.js';
import { staleDecoderWarning } from '../media/ffmpeg-path.js';
import { DEFAULT_PROBE_TIMEOUT_MS } from '../media/probe.js';
import { comparePaths, walkVideos } from '../media/walk-videos.js';
import { VIDEO_EXTENSIONS } from '../media/video-extensions.js';
import { createProgress, type ProgressMode } from '../report/progress.js';
import { isShardTempFile, MERGED_INDEX, shardFiles, shardStem, SHARD_INDEX_RE, type ShardSpec } from './cache-files.js';
import {
  CACHE_FORMAT,
  CACHE_VERSION,
  mergeCacheIndexes,
  optionsKey,
  readShardIndex,
  recordLayout,
  type CacheContentOptions,
  type CachedClipMeta,
  type ShardIndex,
} from './cache-index.js';
import { clipStream, defaultConcurrency, type ClipDecoder } from './clip-stream.js';
import { buildManifest } from './manifest.js';
import { planClips } from './manifest-plan.js';
import { SkipLog, writeSkippedCsv } from './skipped.js';
import type { DecodedClip, SkippedItem } from './types.js';

/** Options of {@link buildCache}: the decode options plus where, which shard and how fast. */
export interface BuildCacheOptions extends Partial<DecodeOptions> {
  /** Folder of videos (walked recursively) or a single file. */
  videos: string;
  /** Cache directory (created). */
  out: string;
  /** Which part of the sorted file list: every `count`-th file from `index`. Default 0/1. */
  shard?: ShardSpec;
  /** Clips per video (default 1: the middle of the video). */
  clipsPerVideo?: number;
  /** Parallel ffmpeg/ffprobe processes (default: cores). */
  concurrency?: number;
  /** Per-file ffprobe timeout, ms (default 20 s). */
  probeTimeoutMs?: number;
  /** Progress on stderr (see report/progress.ts): a mode, or false for none; default `auto`. */
  progress?: ProgressMode | boolean;
  /** Where messages go (the one warning when the ffmpeg that decodes is years old); default none. */
  say?: (line: string) => void;
  /** Injected decoder (tests); default ffmpeg `decodeClip`. */
  decode?: ClipDecoder;
}

/** What a `decode` run did. */
export interface CacheSummary {
  out: string;
  shard: ShardSpec;
  /** The shard was already complete; nothing was decoded. */
  alreadyComplete: boolean;
  /** Files this shard looked at (those without a video extension are only named in skipped). */
  videos: number;
  /** Clips written. */
  clips: number;
  /** Unusable files, one per path. */
  skipped: SkippedItem[];
  /** Probes run / reused from the manifest. */
  probed: number;
  reused: number;
  seconds: number;
  /** The shard index file. */
  indexFile: string;
  /** Set when every shard is complete and `index.json` was (re)written. */
  mergedIndexFile?: string;
}

/**
 * Parses `--shard i/n` (0-based i), or `auto/n`: i from the scheduler's task index, Slurm's
 * `SLURM_ARRAY_TASK_ID` or a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`.
 * @throws ConfigError on a malformed or out-of-range value, or `auto` outside such a task.
 */
export function parseShard(spec: string, env: Record<string, string | undefined> = process.env): ShardSpec {
  const auto = /^auto\/(\d+)$/.exec(spec.trim());
  if (auto) {
    const from = env.SLURM_ARRAY_TASK_ID !== undefined ? 'SLURM_ARRAY_TASK_ID' : env.JOB_COMPLETION_INDEX !== undefined ? 'JOB_COMPLETION_INDEX' : undefined;
    if (from === undefined) throw new ConfigError(`--shard ${spec}: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set (auto is for a Slurm array task or a Kubernetes Indexed Job)`);
    const value = env[from]!.trim();
    if (!/^\d+$/.test(value)) throw new ConfigError(`--shard ${spec}: ${from}=${value} is not a task index`);
    return parseShard(`${value}/${auto[1]}`, {});
  }
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new ConfigError(`--shard must be i/n with 0 <= i < n (e.g. 0/4), or auto/n, got ${spec}`);
  return { index, count };
}

/** The options stored in (and compared against) the index. */
function contentOptions(o: DecodeOptions, clipsPerVideo: number): CacheContentOptions {
  const { timeoutMs: _t, threads: _th, memoryMb: _m, ...rest } = o;
  const c = { ...rest, clipsPerVideo } as CacheContentOptions;
  if (c.fps === undefined) delete c.fps;
  return c;
}

/** Quantises a clip into one record (frames k/255 -> k exactly; spec copied as float32). */
function encodeRecord(clip: DecodedClip, buf: Uint8Array, specOffset: number): void {
  const f = clip.frames;
  for (let i = 0; i < f.length; i++) {
    const v = Math.round(f[i] * 255);
    buf[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  new Float32Array(buf.buffer, buf.byteOffset + specOffset, clip.spec.length).set(clip.spec);
}

/**
 * Decodes (one shard of) a video folder into `out`. Bad files never stop the run: each is
 * reported once in the summary, in the shard index and in `skipped.csv`.
 * @throws UserError when `videos` has no video file at all; ConfigError when `out` already holds
 * this shard decoded with different options.
 */
export async function buildCache(opts: BuildCacheOptions): Promise<CacheSummary> {
  const t0 = performance.now();
  const o = resolveDecodeOptions(opts);
  const shard = opts.shard ?? { index: 0, count: 1 };
  if (!(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) {
    throw new ConfigError(`shard must satisfy 0 <= i < n, got ${shard.index}/${shard.count}`);
  }
  const clipsPerVideo = opts.clipsPerVideo ?? 1;
  if (!(Number.isInteger(clipsPerVideo) && clipsPerVideo >= 1)) throw new ConfigError(`--clips-per-video must be a positive integer, got ${clipsPerVideo}`);
  const concurrency = opts.concurrency ?? defaultConcurrency();
  const content = contentOptions(o, clipsPerVideo);
  const files = shardFiles(opts.out, shard);
  await fsp.mkdir(opts.out, { recursive: true });

  // Shards of another split in the same directory could never merge: refuse before decoding.
  for (const n of await fsp.readdir(opts.out)) {
    const m = SHARD_INDEX_RE.exec(n);
    if (m && Number(m[2]) !== shard.count) {
      throw new ConfigError(`${opts.out} holds shards of a ${Number(m[2])}-way split (${n}); --shard .../${shard.count} needs another --out`);
    }
  }
  // Rerun: a complete shard with the same options is done; with other options it is an error.
  const existing = await readShardIndex(files.index).catch(() => undefined);
  if (existing) {
    if (optionsKey(existing.options) !== optionsKey(content)) {
      throw new ConfigError(`${opts.out} already holds ${shardStem(shard)} decoded with other options: use another --out or delete it`);
    }
    return {
      out: opts.out,
      shard,
      alreadyComplete: true,
      videos: existing.videos,
      clips: existing.clips.length,
      skipped: existing.skipped,
      probed: 0,
      reused: 0,
      seconds: (performance.now() - t0) / 1000,
      indexFile: files.index,
      mergedIndexFile: await mergeIfComplete(opts.out, shard.count),
    };
  }

  const stale = opts.say !== undefined ? staleDecoderWarning() : undefined; // before any untrusted file is opened
  if (stale !== undefined) opts.say!(stale);
  // Walk, and split files AND walk problems by the same rule, so each is handled by one shard.
  const walk = await walkVideos(opts.videos);
  // Files without a video extension are among the problems: named in skipped.csv, never probed.
  const all: { path: string; problem?: string }[] = [...walk.files.map((f) => ({ path: f })), ...walk.problems.map((p) => ({ path: p.path, problem: p.reason }))];
  if (all.length === walk.notVideos) {
    const others = walk.notVideos ? `; ${walk.notVideos} other file${walk.notVideos > 1 ? 's' : ''}, e.g. ${path.basename(walk.problems[0].path)}` : '';
    throw new UserError(`${opts.videos}: no video files found (extensions: ${[...VIDEO_EXTENSIONS].slice(0, 8).join(' ')} ...${others})`);
  }
  all.sort((a, b) => comparePaths(a.path, b.path));
  const mine = all.filter((_, i) => i % shard.count === shard.index);
  const log = new SkipLog();
  for (const e of mine) if (e.problem) log.add(e.path, e.problem);
  const toProbe = mine.filter((e) => !e.problem).map((e) => e.path);

  const progressMode: ProgressMode = opts.progress === false ? 'quiet' : opts.progress === true || opts.progress === undefined ? 'auto' : opts.progress;
  const probeBar = createProgress({ total: toProbe.length, label: 'probe', mode: progressMode });
  const manifest = await buildManifest(toProbe, {
    cacheDir: opts.out,
    concurrency,
    timeoutMs: opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    onFile: () => probeBar.tick(),
  });
  probeBar.done();
  const plan = planClips(manifest.rows, { clipSeconds: o.clipSeconds, clipsPerVideo, missingAudio: o.missingAudio, short: o.short });
  for (const s of plan.skipped) log.add(s.path, s.reason);

  const { frameShape, specShape } = clipShapes(o);
  const layout = recordLayout(frameShape, specShape);
  // Leftovers of a killed run of this shard (its index was never written, so it is redone). Only
  // stale ones: a scheduler's retry may overlap the task it replaces, on this or another machine,
  // and that task's temp file grows with every clip it decodes.
  const stem = shardStem(shard);
  for (const n of await fsp.readdir(opts.out)) {
    if (!isShardTempFile(n, stem)) continue;
    const stat = await fsp.stat(path.join(opts.out, n)).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > STALE_TEMP_MS) await fsp.rm(path.join(opts.out, n), { force: true });
  }
  // Unique per task (host, pid, random): two tasks given the same shard never share a temp file;
  // each renames a complete file into place, and both hold the same records (decoding is ordered).
  const tmpBin = `${files.bin}.${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fh = await fsp.open(tmpBin, 'w');
  const clips: CachedClipMeta[] = [];
  const record = new Uint8Array(layout.recordBytes);
  const decodeBar = createProgress({ total: plan.requests.length, label: 'decode', mode: progressMode });
  try {
    const stream = clipStream(plan.requests, {
      concurrency,
      queue: concurrency,
      ordered: true, // records in request order: the same cache whatever the timing
      decode: opts.decode,
      decodeOptions: o,
      onSkip: (s, req) => {
        decodeBar.tick();
        log.add(s.path, clipsPerVideo > 1 ? `${s.reason} (clip at ${req.start}s)` : s.reason);
      },
    });
    for await (const clip of stream) {
      encodeRecord(clip, record, layout.specOffset);
      await fh.write(record, 0, record.length);
      clips.push({ path: clip.path, start: clip.start, hasAudio: clip.hasAudio, padded: clip.padded ?? false, ...(clip.note !== undefined && { note: clip.note }) });
      decodeBar.tick();
    }
    await fh.sync();
  } finally {
    await fh.close();
    decodeBar.done();
  }
  try {
    await fsp.rename(tmpBin, files.bin);
  } catch (err) {
    // `selavi merge` removed our temp file: another task completed this shard meanwhile.
    const done = (err as NodeJS.ErrnoException).code === 'ENOENT' ? await readShardIndex(files.index).catch(() => undefined) : undefined;
    if (!done) throw err;
    return { out: opts.out, shard, alreadyComplete: true, videos: done.videos, clips: done.clips.length, skipped: done.skipped, probed: manifest.probed, reused: manifest.reused, seconds: (performance.now() - t0) / 1000, indexFile: files.index };
  }

  const skipped = log.items().sort((a, b) => comparePaths(a.path, b.path));
  if (shard.count > 1) await writeSkippedCsv(files.skipped, skipped);
  const index: ShardIndex = {
    format: CACHE_FORMAT,
    version: CACHE_VERSION,
    complete: true,
    shard,
    createdAt: new Date().toISOString(),
    options: content,
    frameShape,
    specShape,
    layout,
    bin: path.basename(files.bin),
    videos: mine.length,
    clips,
    skipped,
  };
  await writeFileAtomicAsync(files.index, JSON.stringify(index)); // last: marks the shard complete
  return {
    out: opts.out,
    shard,
    alreadyComplete: false,
    videos: mine.length,
    clips: clips.length,
    skipped,
    probed: manifest.probed,
    reused: manifest.reused,
    seconds: (performance.now() - t0) / 1000,
    indexFile: files.index,
    mergedIndexFile: await mergeIfComplete(opts.out, shard.count),
  };
}

/** A shard's temp record file untouched this long belongs to a task that is gone. */
const STALE_TEMP_MS = 15 * 60_000;

/**
 * A one-shard cache is complete as soon as its shard is: `index.json` is written at once. A split
 * cache is merged by `selavi merge` (mergeCache), a step of its own once every task is done: a
 * "last shard merges" rule races when a scheduler retries a task.
 */
async function mergeIfComplete(out: string, count: number): Promise<string | undefined> {
  if (count > 1) return undefined;
  const names = await fsp.readdir(out);
  const done = names.filter((n) => {
    const m = SHARD_INDEX_RE.exec(n);
    return m && Number(m[2]) === count;
  });
  if (done.length < count) return undefined;
  await mergeCacheIndexes(out);
  return path.join(out, MERGED_INDEX);
}
