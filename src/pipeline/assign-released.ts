/**
 * `selavi assign VIDEOS --weights FILE.pth`: clusters a video folder with a released SeLaVi model
 * (no training). Each clip is decoded as the official code does, and its cluster under head h is
 * argmax_k (video logits + audio logits) of head h (= argmax of softmax(v)·softmax(a)). Every
 * head's answer is a column of the CSV; the `cluster` column is the chosen head's.
 *
 * Which head answers: `--head N`, or `auto`: the head that agrees most with the others, as
 * `selavi cluster` chooses, never by ground truth. With `--truth`, metrics.json scores the chosen
 * head and lists every head's NMI, and names the head that scores best against the truth only
 * for comparison with the paper, whose figures pick the best of 10 heads by ground truth.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import type { ShardSpec } from '../data/cache-files.js';
import { writeSkippedCsv } from '../data/skipped.js';
import { openReleasedNetwork } from '../engine/open-released.js';
import { evaluate } from '../eval/evaluate.js';
import { normalizedMutualInfo } from '../eval/nmi.js';
import { decodeOfficialClip } from '../media/decode-official-clip.js';
import { OFFICIAL_FRAME_SHAPE, OFFICIAL_SPEC_SHAPE } from '../media/official-clip.js';
import { comparePaths, walkVideos } from '../media/walk-videos.js';
import { readReleasedCheckpoint, type ReleasedCheckpoint, type ReleasedInfo } from '../models/official/released-checkpoint.js';
import { createProgress, type Progress, type ProgressMode } from '../report/progress.js';
import { reportAfterRun, type RunReportHook } from '../report/write-report.js';
import { truthForItems } from '../train/reference-labels.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { writeExport } from '../data/export-arrays.js';
import { checkpointIdentity, exportShardDir, readShardDone, writeExportShard } from './export-shards.js';
import { officialPass, type OfficialPassResult } from './official-pass.js';
import { writeReleasedClusters } from './released-clusters.js';
import { sayOnStderr } from '../util/say.js';

export interface ReleasedAssignJob extends Pick<RunReportHook, 'progress' | 'report'> {
  videos: string;
  weights: string;
  /** clusters CSV; metrics.json and skipped.csv are written beside it. */
  out: string;
  /** A head index, or 'auto' (truth-free choice). */
  head: number | 'auto';
  /** z-normalise spectrograms as the released models were trained (default true). */
  zNormalize?: boolean;
  truth?: string;
  truthFormat?: string;
  /** Folder for items.csv, features-*.npy, logits-head*.npy. */
  exportDir?: string;
  batchSize?: number;
  /** TensorFlow.js backend of the wasm path. */
  backend?: string;
  /** Engine of the network: auto|cpu|webgpu|cuda|wasm (released-devices.ts). */
  device?: string;
  /** Clips decoded at once. */
  decodeJobs?: number;
  say?: (line: string) => void;
}

/** How the pass runs the released network (`--device`, `--backend`, `--batch-size`, `--decode-jobs`). */
export interface ReleasedPassOptions {
  zNormalize?: boolean;
  batchSize?: number;
  device?: string;
  backend?: string;
  decodeJobs?: number;
  say: (line: string) => void;
  progress?: ProgressMode;
  /** Only part `index` of `count` of the sorted list (files and problems alike, as decode splits). */
  shard?: ShardSpec;
}

export interface ReleasedAssignSummary {
  out: string;
  clips: number;
  skipped: number;
  /** What ran the network (onnxruntime-cpu, onnxruntime-cuda, tfjs-wasm, ...). */
  engine: string;
  head: number;
  head_rule: string;
  model: Pick<ReleasedInfo, 'file' | 'heads' | 'k' | 'architecture'>;
  metrics?: Record<string, unknown>;
  seconds: number;
}

/**
 * Decodes and runs a released model over every video under `videos`. Shared with `cluster --init`.
 * The network is opened before any clip is decoded: an engine that was asked for and cannot load
 * stops the run there.
 */
export async function releasedPass(
  videos: string,
  released: ReleasedCheckpoint,
  opts: ReleasedPassOptions,
): Promise<{ pass: OfficialPassResult; skipped: { path: string; reason: string }[]; engine: string }> {
  const { info } = released;
  opts.say(`model: ${info.architecture.video} + ${info.architecture.audio}, ${info.heads} heads of K=${[...new Set(info.k)].join('/')} (${info.file})`);
  const walk = await walkVideos(videos); // lists the files; nothing is decoded before the network opens
  if (opts.shard !== undefined) {
    const { index, count } = opts.shard;
    type Entry = { path: string; problem?: (typeof walk.problems)[number] };
    const all: Entry[] = [...walk.files.map((f) => ({ path: f })), ...walk.problems.map((p) => ({ path: p.path, problem: p }))].sort((a, b) => comparePaths(a.path, b.path));
    const mine = all.filter((_, i) => i % count === index);
    walk.files = mine.filter((e) => e.problem === undefined).map((e) => e.path);
    walk.problems = mine.flatMap((e) => (e.problem !== undefined ? [e.problem] : []));
  }
  const { network } = await openReleasedNetwork(released.weights, { device: opts.device, backend: opts.backend, log: opts.say });
  const skipped = [...walk.problems];
  let progress: Progress | undefined;
  try {
    progress = createProgress({ total: walk.files.length, label: 'clips', mode: opts.progress });
    const pass = await officialPass(network, walk.files, {
      decode: (file) => decodeOfficialClip(file, { zNormalize: opts.zNormalize ?? true }),
      frameShape: OFFICIAL_FRAME_SHAPE,
      specShape: OFFICIAL_SPEC_SHAPE,
      batchSize: opts.batchSize ?? 4,
      decodeJobs: opts.decodeJobs,
      onSkip: (file, reason) => {
        skipped.push({ path: file, reason });
        opts.say(`skipped ${file}: ${reason}`);
      },
      onClip: () => progress?.tick(),
    });
    return { pass, skipped, engine: network.engine };
  } finally {
    progress?.done();
    await network.dispose();
  }
}

export async function runReleasedAssign(job: ReleasedAssignJob): Promise<ReleasedAssignSummary> {
  const t0 = performance.now();
  const say = job.say ?? sayOnStderr;
  if (job.head !== 'auto' && (!Number.isInteger(job.head) || job.head < 0)) throw new ConfigError(`--head must be auto or a head index >= 0, got ${job.head}`);
  if (!existsSync(job.videos)) throw new InputError(job.videos, 'no such file or folder');
  const released = await readReleasedCheckpoint(job.weights);
  const { info } = released;
  if (job.head !== 'auto' && job.head >= info.heads) throw new ConfigError(`--head ${job.head}: ${job.weights} has heads 0..${info.heads - 1}`);
  const { pass, skipped, engine } = await releasedPass(job.videos, released, { ...job, say });
  const outDir = path.dirname(job.out);
  mkdirSync(outDir, { recursive: true });
  await writeSkippedCsv(path.join(outDir, 'skipped.csv'), skipped);
  const n = pass.names.length;
  if (n === 0) throw new InputError(job.videos, `no usable clip (reasons in ${path.join(outDir, 'skipped.csv')})`);

  const sums = pass.logits.map((l) => sumOf(l.video, l.audio));
  const { labels, head: h, rule } = writeReleasedClusters(job.out, pass.names, sums, info.k, job.head);
  if (job.exportDir) writeExport(job.exportDir, pass.names, { video: pass.features.video, audio: pass.features.audio }, sums, info.k);

  const summary: ReleasedAssignSummary = {
    out: job.out,
    clips: n,
    skipped: skipped.length,
    engine,
    head: h,
    head_rule: rule,
    model: { file: info.file, heads: info.heads, k: info.k, architecture: info.architecture },
    seconds: 0,
  };
  if (job.truth) {
    const t = await truthForItems(job.truth, pass.names, job.truthFormat);
    say(`truth: ${t.matched}/${n} clips matched in ${job.truth} (${t.classes.length} classes; reporting only)`);
    const report = evaluate({ file: job.out, paths: [...pass.names], clusters: labels[h] }, t.table);
    const known = [...t.truth.keys()].filter((i) => t.truth[i] >= 0);
    const perHead = labels.map((l) => Number(normalizedMutualInfo(known.map((i) => t.truth[i]), known.map((i) => l[i])).toFixed(4)));
    const best = perHead.indexOf(Math.max(...perHead));
    const metrics = {
      ...report,
      head: h,
      head_rule: rule,
      nmi_per_head: perHead,
      best_head_by_truth: { head: best, nmi: perHead[best], note: 'for comparison with the paper only: the official metrics pick the best head by ground truth' },
    };
    writeFileAtomic(path.join(outDir, 'metrics.json'), JSON.stringify(metrics, null, 1));
    summary.metrics = metrics;
  }
  summary.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  await reportAfterRun(job.out, job);
  return summary;
}

/** What one shard of a sharded `assign --weights --export` did. */
export interface ReleasedShardSummary {
  out: string;
  shard: ShardSpec;
  alreadyComplete: boolean;
  clips: number;
  skipped: number;
  engine?: string;
  seconds: number;
}

/**
 * One shard of the released network's pass (`--shard i/n` with `--export DIR`): its arrays go to
 * DIR/shard-IIII-of-NNNN/ with a done marker naming the checkpoint; `selavi merge DIR` makes the
 * whole export and the clusters. A done shard made with the same checkpoint is not redone.
 */
export async function runReleasedAssignShard(job: ReleasedAssignJob & { shard: ShardSpec }): Promise<ReleasedShardSummary> {
  const t0 = performance.now();
  const say = job.say ?? sayOnStderr;
  if (!job.exportDir) throw new ConfigError('--shard with --weights needs --export DIR: each task writes its part there, and `selavi merge DIR` joins them');
  if (!existsSync(job.videos)) throw new InputError(job.videos, 'no such file or folder');
  const released = await readReleasedCheckpoint(job.weights);
  const checkpoint = await checkpointIdentity(job.weights);
  const settings = { zNormalize: job.zNormalize ?? true, k: released.info.k, modalities: ['video', 'audio'] };
  const dir = exportShardDir(job.exportDir, job.shard);
  const done = readShardDone(dir);
  if (done && JSON.stringify(done.checkpoint) === JSON.stringify(checkpoint) && JSON.stringify(done.settings) === JSON.stringify(settings)) {
    return { out: dir, shard: job.shard, alreadyComplete: true, clips: done.clips, skipped: done.skipped.length, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
  }
  const { pass, skipped, engine } = await releasedPass(job.videos, released, { ...job, say });
  await writeExportShard(dir, pass.names, { video: pass.features.video, audio: pass.features.audio }, pass.logits.map((l) => sumOf(l.video, l.audio)), { shard: job.shard, checkpoint, settings, skipped });
  return { out: dir, shard: job.shard, alreadyComplete: false, clips: pass.names.length, skipped: skipped.length, engine, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
}

/** Elementwise a + b (a head's video + audio logits). */
export function sumOf(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}
