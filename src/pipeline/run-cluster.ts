/**
 * The `selavi cluster` (videos) and `selavi sela` (images) jobs: data in, RUN/ out.
 * RUN/cache/ (decoded clips, unless `--cache DIR`; see run-cache.ts), RUN/clips.json,
 * RUN/checkpoint/, RUN/model/, RUN/log.jsonl, RUN/clusters.csv, RUN/skipped.csv, and
 * RUN/metrics.json when `--truth` is given (reporting only).
 */
import { appendFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import type { DecodeOptions } from '../media/decode-options.js';
import type { ImageSet } from '../data/types.js';
import { createProgress, passProgress } from '../report/progress.js';
import { reportAfterRun, type RunReportHook } from '../report/write-report.js';
import { initBackend } from '../engine/backend.js';
import { evaluate } from '../eval/evaluate.js';
import { scoreLabels } from '../eval/score-labels.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { csvField } from '../util/csv-field.js';
import { nuisancesForItems, truthForItems } from '../train/reference-labels.js';
import { train, type TrainConfig, type TrainDeps, type TrainResult } from '../train/selavi.js';
import { clipAugment, clipCacheTrainSet, imageTrainSet, type TrainSet } from '../train/train-set.js';
import { openRunCache } from './run-cache.js';
import { autoEpochs, MIN_AUTO_STEPS, stepsPerEpoch } from '../train/schedule.js';
import { chooseRecipe, resumedRecipe, type Recipe } from './choose-recipe.js';
import { sayOnStderr } from '../util/say.js';

/** RunReportHook: truth, nuisance, items, progress mode, say, and `report` (false: no RUN/report.html). */
export interface RunOptions extends RunReportHook {
  out: string;
  train: TrainConfig;
  truth?: string;
  truthFormat?: string;
  nuisance?: string;
  resume: boolean;
  /** `--epochs` not given: runs from scratch get more epochs on small collections (see autoEpochs). */
  autoEpochs?: boolean;
  backend?: string;
  /** Test hook: stop with a checkpoint after this many steps. */
  stopAfterStep?: number;
  /** Where human-readable lines go (default stderr). */
  say?: (line: string) => void;
  /** `--export DIR`: the final model's features and logits of every item (see TrainDeps). */
  exportDir?: string;
  /** Starting values for a new run's parameters (a released model's heads); see TrainDeps. */
  initParams?: TrainDeps['initParams'];
  /** Warm-started label solves (default true; see TrainDeps). */
  sinkhornWarmStart?: boolean;
  /**
   * What answers: the heads (default), or `features`: k-means on a UMAP embedding of the encoder's
   * final features (train/feature-answer.ts; image runs, within its item limits, else the heads).
   */
  answer?: 'heads' | 'features';
}

export interface ClusterJob extends RunOptions {
  /** Folder of videos (or one file); optional when `cache` already holds decoded shards. */
  videos?: string;
  /** `--cache DIR`: a cache built by `selavi decode` is used as it is; default RUN/cache. */
  cache?: string;
  /** Clip settings (defaults: DEFAULT_DECODE); a reused cache must have been decoded with them. */
  decode: Partial<DecodeOptions>;
  /** Augmentation recipes to choose from by trial runs (see choose-recipe.ts); none or one: `train` as given. */
  recipes?: Recipe[];
  /** What trains when no trial's video–audio agreement is above chance (see choose-recipe.ts); default: the trials' best. */
  recipeFallback?: Recipe;
}

export interface RunSummary {
  run: string;
  items: number;
  skipped: number;
  head: number;
  clusters: string;
  /** Scores against --truth (reporting only). */
  metrics?: Record<string, unknown>;
  interrupted: boolean;
  seconds: number;
  /** The clip cache trained on (`selavi cluster`). */
  cache?: string;
}


function writeClustersCsv(file: string, names: readonly string[], result: TrainResult, answer: NonNullable<TrainResult['answer']>): void {
  const { labels, confidence } = answer;
  const header = ['path', 'cluster', 'confidence', ...result.labels.map((_, i) => `head${i}`)].join(',');
  const lines = names.map((name, i) =>
    [csvField(name), labels[i], confidence[i].toFixed(4), ...result.labels.map((l) => l[i])].join(','),
  );
  writeFileAtomic(file, `${header}\n${lines.join('\n')}\n`);
}

/** Trains on `data`, writes every output. Shared by every mode (clips, images, released-model features). */
export async function runOn(data: TrainSet, opts: RunOptions, skipped: number, t0: number): Promise<RunSummary> {
  const say = opts.say ?? sayOnStderr;
  let truthTable: Awaited<ReturnType<typeof truthForItems>>['table'] | undefined;
  if (opts.truth) {
    const t = await truthForItems(opts.truth, data.names, opts.truthFormat);
    data.truth = t.truth;
    truthTable = t.table;
    say(`truth: ${t.matched}/${data.n} items matched in ${opts.truth} (${t.classes.length} classes; reporting only)`);
  }
  if (opts.nuisance) data.nuisances = nuisancesForItems(opts.nuisance, data.names);
  const logFile = path.join(opts.out, 'log.jsonl');
  if (!opts.resume) rmSync(logFile, { force: true });
  // A resumed run keeps the config.json it started with (a refused resume must not overwrite it).
  if (!opts.resume || !existsSync(path.join(opts.out, 'config.json'))) writeFileSync(path.join(opts.out, 'config.json'), JSON.stringify(opts.train, null, 1));
  let stop = false;
  const onSignal = () => {
    stop = true;
    say('stopping after this step (checkpoint, then exit); resume with --resume');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = createProgress({ total: opts.train.epochs * stepsPerEpoch(data.n, opts.train.batchSize), label: 'train', mode: opts.progress });
  let result: TrainResult;
  try {
    result = await train(opts.train, data, {
      runDir: opts.out,
      resume: opts.resume,
      logJson: (obj) => appendFileSync(logFile, `${JSON.stringify(obj)}\n`),
      say,
      onStep: () => progress.tick(),
      onScore: passProgress('labels', opts.progress),
      stopRequested: () => stop,
      stopAfterStep: opts.stopAfterStep,
      initParams: opts.initParams,
      exportDir: opts.exportDir,
      sinkhornWarmStart: opts.sinkhornWarmStart,
      keepFeatures: opts.answer === 'features',
    });
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const clustersFile = path.join(opts.out, 'clusters.csv');
  const summary: RunSummary = {
    run: opts.out,
    items: data.n,
    skipped,
    head: result.choice.head,
    clusters: clustersFile,
    interrupted: result.interrupted,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
  if (result.interrupted || !result.answer) return summary;
  const fromFeatures = opts.answer === 'features' ? await answerFromFeatures(result, data.n, opts, say) : undefined;
  const answer = fromFeatures ? { ...result.answer, ...fromFeatures } : result.answer;
  // Which answered, and (with truth, reporting only) how the heads' own answer scored beside it.
  const answerRule = { answer_rule: fromFeatures ? 'umap-kmeans-on-features' : 'heads' };
  writeClustersCsv(clustersFile, data.names, result, answer);
  if (!opts.truth && data.truth) {
    // Truth that came with the data (an IDX labels file): score directly, reporting only.
    const scores = scoreLabels(data.truth, answer.labels);
    const heads = fromFeatures && { heads_answer: scoreLabels(data.truth, result.answer.labels) };
    writeFileAtomic(path.join(opts.out, 'metrics.json'), JSON.stringify({ n: data.n, matched: data.n, ...scores, head: result.choice.head, head_rule: result.choice.rule, ...answerRule, ...heads }, null, 1));
    summary.metrics = { n: data.n, matched: data.n, ...scores };
  } else if (truthTable) {
    const report = evaluate({ file: clustersFile, paths: [...data.names], clusters: answer.labels }, truthTable);
    const heads = fromFeatures && { heads_answer: evaluate({ file: clustersFile, paths: [...data.names], clusters: result.answer.labels }, truthTable) };
    writeFileAtomic(path.join(opts.out, 'metrics.json'), JSON.stringify({ ...report, head: result.choice.head, head_rule: result.choice.rule, ...answerRule, ...heads }, null, 1));
    summary.metrics = { ...report };
  }
  await reportAfterRun(clustersFile, opts);
  return summary;
}

/**
 * The answer read from the encoder's final features (train/feature-answer.ts), or undefined (and a
 * line saying why) where the run answers with its heads: no image features, or too few or too many items.
 */
async function answerFromFeatures(result: TrainResult, n: number, opts: RunOptions, say: (line: string) => void) {
  const features = result.features?.image;
  if (!features) {
    say("answer: the heads' (the features' answer is for image runs)");
    return undefined;
  }
  const { featureAnswer, featureAnswerApplies } = await import('../train/feature-answer.js'); // umap-js: only when used
  const fit = featureAnswerApplies(n, opts.train.k);
  if (!fit.applies) {
    say(`answer: the heads' (${fit.why})`);
    return undefined;
  }
  const t = performance.now();
  const fromFeatures = featureAnswer(features, n, features.length / n, opts.train.k, opts.train.seed);
  say(`answer: k-means on a UMAP embedding of the encoder's features, in place of the heads' (--answer heads keeps theirs); ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return fromFeatures;
}

/** The config with {@link autoEpochs} applied when `--epochs` was not given. */
function withAutoEpochs(train: TrainConfig, n: number, auto: boolean | undefined, say: (line: string) => void): TrainConfig {
  if (!auto) return train;
  const epochs = autoEpochs(n, train.batchSize, train.epochs);
  if (epochs !== train.epochs) say(`epochs: ${epochs} (a small collection: at least ${MIN_AUTO_STEPS} training steps; --epochs sets them)`);
  return Object.freeze({ ...train, epochs });
}

export function prepareRunDir(out: string, resume: boolean): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new ConfigError(`--out ${out}: exists and is not a folder`);
  if (!resume && existsSync(path.join(out, 'checkpoint'))) {
    throw new ConfigError(`--out ${out}: holds a run already; add --resume to continue it, or choose another folder`);
  }
  mkdirSync(out, { recursive: true });
}

/** `selavi cluster`: decode (cached, resumable), or open a decoded `--cache` → train → clusters. */
export async function runCluster(job: ClusterJob): Promise<RunSummary> {
  const t0 = performance.now();
  if (job.videos !== undefined && !existsSync(job.videos)) throw new InputError(job.videos, 'no such file or folder');
  if (job.videos === undefined && job.cache === undefined) throw new ConfigError('give a folder of videos, or --cache DIR (a cache built by selavi decode)');
  prepareRunDir(job.out, job.resume);
  await initBackend({ backend: job.backend, log: job.say });
  const say = job.say ?? sayOnStderr;
  const { cache, dir, skipped } = await openRunCache(job, say);
  try {
    let train = withAutoEpochs(job.train, cache.size, job.autoEpochs, say);
    if (job.recipes && job.recipes.length > 0) {
      const recipe =
        (job.resume ? resumedRecipe(job.out) : undefined) ??
        (await chooseRecipe(train, job.recipes, (r) => clipCacheTrainSet(cache, train.modalities, clipAugment(r), r.videoView), job.out, say, job.progress, job.recipeFallback));
      train = Object.freeze({ ...train, ...recipe });
    }
    const summary = await runOn(clipCacheTrainSet(cache, train.modalities, clipAugment(train), train.videoView), { ...job, train }, skipped.length, t0);
    return { ...summary, cache: dir };
  } finally {
    cache.close();
  }
}

/** `selavi sela`: images (folder or IDX) → train → clusters. */
export async function runSela(images: ImageSet, opts: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  prepareRunDir(opts.out, opts.resume);
  await initBackend({ backend: opts.backend, log: opts.say });
  return runOn(imageTrainSet(images, opts.train), { ...opts, train: withAutoEpochs(opts.train, images.n, opts.autoEpochs, opts.say ?? sayOnStderr) }, 0, t0);
}
