/**
 * `selavi cluster VIDEOS --init FILE.pth`: self-labelling that continues from a released SeLaVi
 * model on the user's own collection.
 *
 * The released encoders (R(2+1)D-18 and ResNet-9, trained for days on hundreds of thousands of
 * clips) stay frozen: every clip goes through them once, decoded as the official code does, and
 * their pooled features are kept in RUN/features/ (the `--export` layout, reused on --resume or a
 * rerun). SeLaVi then trains official-style MLP heads on those features (one shared Sinkhorn
 * label per clip and head from the sum of both modalities' log-probabilities; dropout 0.3 as the
 * official heads train with). Heads start from the released ones when `--k` equals the released K,
 * and are new otherwise. Training the encoders themselves is not done here: one forward pass of
 * the full model costs ~1.1 s a clip on this 2-core machine with onnxruntime (an inference engine:
 * no gradients), and a training step on TensorFlow.js would cost several times the 7 s a clip of its forward pass.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError, InputError } from '../errors.js';
import { readNpyArray } from '../data/npy.js';
import { writeSkippedCsv } from '../data/skipped.js';
import { releasedHeadParams } from '../models/official/released-heads.js';
import { readReleasedCheckpoint } from '../models/official/released-checkpoint.js';
import { initBackend } from '../engine/backend.js';
import { prepareRunDir, runOn, type RunOptions, type RunSummary } from './run-cluster.js';
import { featureTrainSet } from '../train/train-set.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readModel } from '../train/checkpoint.js';
import { releasedPass, sumOf } from './assign-released.js';
import { exportCheckpointMismatch } from './export-shards.js';
import { buildRunModel, writeRunAssignment } from './assign.js';
import { writeExport } from '../data/export-arrays.js';
import { reportAfterRun, type RunReportHook } from '../report/write-report.js';
import { sayOnStderr } from '../util/say.js';

/** Hidden width of the official MLP heads (Linear 512 → 512, BN, ReLU, Linear 512 → K). */
const OFFICIAL_HEAD_HIDDEN = 512;

export interface ClusterReleasedJob extends RunOptions {
  videos: string;
  /** The released checkpoint whose encoders (and heads, when K matches) are the start. */
  init: string;
  zNormalize?: boolean;
  batchSize?: number;
  /** Engine of the released network's pass (released-devices.ts). */
  device?: string;
  decodeJobs?: number;
  /** A merged export of this checkpoint's pass (`assign --weights --export --shard` + `merge`): no pass here. */
  features?: string;
}

interface Features {
  names: string[];
  video: Float32Array;
  audio: Float32Array;
  dim: { video: number; audio: number };
}

/** RUN/features/ as a previous (or interrupted) run left it, if complete. */
function readFeatures(dir: string): Features | undefined {
  const files = ['items.csv', 'features-video.npy', 'features-audio.npy'].map((f) => path.join(dir, f));
  if (!files.every((f) => existsSync(f))) return undefined;
  const names = (parse(readFileSync(files[0], 'utf8'), { columns: true }) as { path: string }[]).map((r) => r.path);
  const [v, a] = [readNpyArray(files[1], 2), readNpyArray(files[2], 2)];
  if (v.shape[0] !== names.length || a.shape[0] !== names.length) throw new InputError(dir, `items.csv lists ${names.length} clips but the features hold ${v.shape[0]}/${a.shape[0]} rows; delete the folder to extract again`);
  return { names, video: v.data, audio: a.data, dim: { video: v.shape[1], audio: a.shape[1] } };
}

export async function runClusterReleased(job: ClusterReleasedJob): Promise<RunSummary> {
  const t0 = performance.now();
  const say = job.say ?? sayOnStderr;
  if (job.features === undefined && !existsSync(job.videos)) throw new InputError(job.videos, 'no such file or folder');
  if (job.train.modalities.length !== 2) throw new ConfigError('--init trains heads on both modalities: leave --modalities at video,audio');
  prepareRunDir(job.out, job.resume);
  await initBackend({ backend: job.backend, log: job.say });
  const featuresDir = job.features ?? path.join(job.out, 'features');
  let features = readFeatures(featuresDir);
  if (job.features !== undefined) {
    if (!features) throw new InputError(job.features, 'not a merged export: items.csv and features-{video,audio}.npy are missing (run `selavi merge` on the assign --export --shard folder first)');
    const mismatch = await exportCheckpointMismatch(job.features, job.init);
    if (mismatch !== undefined) throw new ConfigError(`--features ${job.features}: ${mismatch}`);
  }
  let skipped = 0;
  const released = await readReleasedCheckpoint(job.init);
  const { info, state } = released;
  if (features) {
    const skippedCsv = path.join(job.features ?? job.out, 'skipped.csv');
    if (existsSync(skippedCsv)) skipped = (parse(readFileSync(skippedCsv, 'utf8'), { columns: true }) as unknown[]).length;
    say(`features of ${features.names.length} clips read from ${featuresDir} (delete it to extract again)`);
  } else {
    const r = await releasedPass(job.videos, released, { zNormalize: job.zNormalize, batchSize: job.batchSize, device: job.device, backend: job.backend, decodeJobs: job.decodeJobs, say, progress: job.progress });
    mkdirSync(featuresDir, { recursive: true });
    await writeSkippedCsv(path.join(job.out, 'skipped.csv'), r.skipped);
    skipped = r.skipped.length;
    if (r.pass.names.length === 0) throw new InputError(job.videos, `no usable clip (reasons in ${path.join(job.out, 'skipped.csv')})`);
    // The released heads' fused logits ride along: what `assign --weights` would answer.
    writeExport(featuresDir, r.pass.names, r.pass.features, r.pass.logits.map((l) => sumOf(l.video, l.audio)), info.k);
    features = { names: r.pass.names, video: r.pass.features.video, audio: r.pass.features.audio, dim: info.featureDims };
    say(`${features.names.length} clips through the released encoders (${skipped} skipped, listed in ${path.join(job.out, 'skipped.csv')})`);
  }
  writeFileAtomic(path.join(job.out, 'released.json'), JSON.stringify({ weights: path.resolve(job.init), ...info, file: path.resolve(info.file) }, null, 1));

  const cfg = { ...job.train, headHidden: OFFICIAL_HEAD_HIDDEN };
  const fromReleased = info.k.map((k, h) => (k === cfg.k ? h : -1)).filter((h) => h >= 0);
  const starts = Math.min(cfg.heads, fromReleased.length);
  say(
    starts > 0
      ? `heads 0..${starts - 1} start from the released heads ${fromReleased.slice(0, starts).join(', ')} (K=${cfg.k})`
      : `new heads: the released heads have K=${[...new Set(info.k)].join('/')}, --k is ${cfg.k}`,
  );
  const data = featureTrainSet(features.names, {
    video: { data: features.video, dim: features.dim.video },
    audio: { data: features.audio, dim: features.dim.audio },
  });
  return runOn(data, {
    ...job,
    train: cfg,
    initParams: (params) => {
      for (let h = 0; h < starts; h++) {
        const values = releasedHeadParams(job.init, state, fromReleased[h], h);
        for (const [name, v] of values ?? []) params.set(name, v, job.init);
      }
    },
  }, skipped, t0);
}

/** True when RUN was made by `cluster --init` (its heads read a released model's features). */
export function isReleasedRun(run: string): boolean {
  return existsSync(path.join(run, 'released.json'));
}

/**
 * `selavi assign VIDEOS --run RUN` for a `cluster --init` run: the clips go through the released
 * encoders named in RUN/released.json, then through the run's trained heads; the chosen head's
 * fused argmax is each clip's cluster.
 */
export async function runAssignReleasedRun(
  job: { run: string; videos: string; out: string; backend?: string; device?: string; decodeJobs?: number; say?: (line: string) => void } & Pick<RunReportHook, 'progress' | 'report'>,
): Promise<{ out: string; clips: number; skipped: number; head: number }> {
  const say = job.say ?? sayOnStderr;
  const meta = JSON.parse(readFileSync(path.join(job.run, 'released.json'), 'utf8')) as { weights: string };
  const saved = readModel(job.run);
  await initBackend({ backend: job.backend, log: job.say });
  const { pass, skipped } = await releasedPass(job.videos, await readReleasedCheckpoint(meta.weights), { say, progress: job.progress, device: job.device, backend: job.backend, decodeJobs: job.decodeJobs });
  for (const s of skipped) say(`skipped ${s.path}: ${s.reason}`);
  if (pass.names.length === 0) throw new InputError(job.videos, 'no usable clip to assign');
  const { model, head, ensemble } = buildRunModel(job.run, saved);
  try {
    const set = featureTrainSet(pass.names, {
      video: { data: pass.features.video, dim: pass.features.video.length / pass.names.length },
      audio: { data: pass.features.audio, dim: pass.features.audio.length / pass.names.length },
    });
    await writeRunAssignment(model, set, ensemble, job.out);
    await reportAfterRun(job.out, { ...job, say });
    return { out: job.out, clips: set.n, skipped: skipped.length, head };
  } finally {
    model.dispose();
  }
}
