/** Flags shared by `selavi cluster` and `selavi sela`, and their mapping to a TrainConfig. */
import type { Argv } from 'yargs';
import { ConfigError } from '../errors.js';
import type { Modality } from '../models/selavi-model.js';
import { AUGMENT_STRENGTHS, AUTO_STRENGTHS, DEFAULT_TRAIN, VIDEO_VIEWS, defaultAgree, defaultSelfWeight, type AugmentStrength, type TrainConfig, type VideoView } from '../train/train-config.js';
import { fallbackRecipe, recipeCandidates, type Recipe } from '../pipeline/recipe.js';
import { MAX_AUTO_EPOCHS, MIN_AUTO_STEPS } from '../train/schedule.js';
import { backendOption, runOutputOf, truthFormatOption, withProgressFlags, withReportFlag, type ProgressFlags } from './shared-flags.js';

export interface TrainFlags extends ProgressFlags {
  out: string;
  report: boolean;
  k: number;
  heads: number;
  overcluster: number;
  epochs?: number;
  'batch-size': number;
  lr: number;
  optimizer: 'sgd' | 'adam';
  momentum: number;
  'weight-decay': number;
  'warmup-epochs': number;
  'label-updates': number;
  lambda: number;
  prior: 'uniform' | 'gauss';
  sd: number;
  align: number;
  'align-temperature': number;
  agree?: number;
  'self-weight'?: number;
  width: number;
  grey?: boolean;
  'video-norm': 'shared' | 'channel';
  'video-view'?: VideoView;
  augment: boolean;
  'augment-strength': AugmentStrength | 'auto';
  flip?: boolean;
  seed: number;
  truth?: string;
  'truth-format': string;
  nuisance?: string;
  resume: boolean;
  backend?: string;
  export?: string;
}

export function withTrainFlags<T>(y: Argv<T>): Argv<T & TrainFlags> {
  const d = DEFAULT_TRAIN;
  return withReportFlag(withProgressFlags(y), 'RUN/report.html')
    .option('out', { type: 'string', demandOption: true, describe: 'run folder: clusters.csv, log.jsonl, model/, checkpoint/, metrics.json' })
    .option('k', { type: 'number', default: d.k, describe: 'clusters per head' })
    .option('heads', { type: 'number', default: d.heads, describe: 'heads trained at once (the answer: their sum, each matched onto the head whose two modalities agree most with audio and video, otherwise the head that agrees most with the others)' })
    .option('overcluster', { type: 'number', default: d.overcluster, describe: 'beside each head, one more head of this many clusters (over-clustering; trained, written to clusters.csv, never the answer); 0: none' })
    .option('epochs', { type: 'number', describe: `passes over the data. Default: ${d.epochs}, or more on a small collection trained from scratch, so that the run has at least ${MIN_AUTO_STEPS} steps (at most ${MAX_AUTO_EPOCHS} epochs)` })
    .option('batch-size', { type: 'number', default: d.batchSize, describe: 'items per training step' })
    .option('lr', { type: 'number', default: d.lr, describe: 'peak learning rate (warm-up, then cosine decay)' })
    .option('optimizer', { choices: ['sgd', 'adam'] as const, default: d.optimizer, describe: 'SGD with momentum, or Adam' })
    .option('momentum', { type: 'number', default: d.momentum, describe: 'SGD momentum' })
    .option('weight-decay', { type: 'number', default: d.weightDecay, describe: 'L2 weight decay on the conv and dense kernels' })
    .option('warmup-epochs', { type: 'number', default: d.warmupEpochs, describe: 'linear learning-rate warm-up' })
    .option('label-updates', { type: 'number', default: d.labelUpdates, describe: 'Sinkhorn label re-solves over the run, dense early ((i/U)^1.5)' })
    .option('lambda', { type: 'number', default: d.lambda, describe: 'λ of the Sinkhorn solve (P^λ)' })
    .option('prior', { choices: ['uniform', 'gauss'] as const, default: d.prior, describe: 'cluster-size prior' })
    .option('sd', { type: 'number', default: d.priorSd, describe: 'relative sd of the Gaussian cluster-size prior' })
    .option('align', { type: 'number', default: d.align, describe: 'weight of an alignment (InfoNCE) term beside the self-labelling loss: audio vs video of each clip, or two augmented views with one modality; 0: off' })
    .option('align-temperature', { type: 'number', default: d.alignTemperature, describe: 'temperature of that alignment term' })
    .option('agree', { type: 'number', describe: `weight of a cluster-agreement term (IIC: mutual information of the same pairs' cluster posteriors, every head); 0: off. Default: ${d.agree} with audio and video from scratch, 0 with one modality (two augmented views of each item, twice the compute) or --init` })
    .option('self-weight', { type: 'number', describe: `with audio and video: each modality learns the equal-size labels of the other's log-probabilities plus this weight times its own, from 0 (the other's alone) to 1 (one shared label per clip, as SeLaVi). Default: ${d.selfWeight} from scratch; 1 with --init, and with one modality (where it changes nothing). Runs checkpointed before it resume with --self-weight 1` })
    .option('width', { type: 'number', default: d.width, describe: 'encoder base width (channels); larger is slower and stronger' })
    .option('grey', { type: 'boolean', describe: `the video encoder reads each frame's luminance only: for content whose colour means nothing (digits, text) under colour casts, tinted ink or noisy channels. Default: chosen with --augment-strength auto, otherwise ${d.grey ? 'on' : 'off'}` })
    .option('video-norm', { choices: ['shared', 'channel'] as const, default: d.videoNorm, describe: 'per-clip standardisation of frames: each colour channel centred, then one scale for all (shared: a channel the content barely shows in keeps its small contrast) or one per channel (channel: how runs before 2026-12-06 trained)' })
    .option('video-view', { choices: VIDEO_VIEWS, describe: `what the video encoder sees: frame (as decoded) or subject (for one subject on a plain background, such as digits, text or an animal in an arena: each frame's subject centred, made bright, its lighting gradient taken out, in grey). Default: chosen by the recipe trials, which run whenever --augment-strength auto or any of --flip, --grey and this flag is left open (both views unless --no-grey; subject where no trial agrees above chance); without trials (one modality, --init, --no-augment) ${d.videoView}` })
    .option('augment', { type: 'boolean', default: d.augment, describe: 'augment training batches (--no-augment to turn off)' })
    .option('augment-strength', { choices: [...AUGMENT_STRENGTHS, 'auto'] as const, default: 'auto' as const, describe: `clips: full (crops from 60%, colour, polarity, noise, cutout, masks), light (crops of 85-100% of the side; audio gain, time shift and background noise at 0-20 dB only), warp (light without the noise, with frames rotated ±20°, zoomed and shifted, and the audio's tempo and pitch perturbed), or auto: with audio and video, short trial runs of ${AUTO_STRENGTHS.join(' and ')}, each with and without --flip and --grey unless they are given, and each with the subject view (--video-view) in grey unless it is given, and the one whose video and audio agree most trains, or, when no trial agrees above chance, light without the mirror on grey subject views (never chosen by truth; RUN/recipe.json); otherwise ${d.augmentStrength}` })
    .option('flip', { type: 'boolean', describe: `mirror items left-right among the augmentations (--no-flip for text, digits and other content a mirror changes). Default: chosen with --augment-strength auto, otherwise ${d.flip ? 'on' : 'off'}` })
    .option('seed', { type: 'number', default: d.seed, describe: 'seed of every random draw' })
    .option('truth', { type: 'string', describe: 'ground-truth labels, for the log and metrics.json only (never for training)' })
    .option('truth-format', truthFormatOption())
    .option('nuisance', { type: 'string', describe: 'JSONL of known nuisance attributes per file (e.g. meta.jsonl): the log reports NMI against each' })
    .option('export', { type: 'string', describe: 'folder for the final model\'s arrays: items.csv, features-{video,audio,image}.npy (pooled encoder features), logits-head{h}.npy (summed over modalities)' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue the run in --out from its last checkpoint' })
    .option('backend', backendOption()) as Argv<T & TrainFlags>;
}

/** A whole number >= 1 for `--flag`, or a ConfigError naming it. */
export function positiveInt(flag: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new ConfigError(`--${flag} must be a whole number >= 1, got ${v}`);
  return v;
}

function positive(flag: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new ConfigError(`--${flag} must be > 0, got ${v}`);
  return v;
}

function nonNegative(flag: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new ConfigError(`--${flag} must be >= 0, got ${v}`);
  return v;
}

function unitInterval(flag: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new ConfigError(`--${flag} must be between 0 and 1, got ${v}`);
  return v;
}

function overclusterK(v: number): number {
  if (v !== 0 && (!Number.isInteger(v) || v < 2)) throw new ConfigError(`--overcluster must be 0 (off) or a whole number >= 2, got ${v}`);
  return v;
}

/** `frozenFeatures`: heads trained on a released model's features (`cluster --init`). */
export function trainConfigFrom(a: TrainFlags, modalities: Modality[], frozenFeatures = false): TrainConfig {
  if (a.k < 2 || !Number.isInteger(a.k)) throw new ConfigError(`--k must be a whole number >= 2, got ${a.k}`);
  const cfg: TrainConfig = {
    modalities,
    width: positiveInt('width', a.width),
    grey: a.grey ?? DEFAULT_TRAIN.grey,
    videoNorm: a['video-norm'],
    videoView: a['video-view'] ?? DEFAULT_TRAIN.videoView,
    projection: DEFAULT_TRAIN.projection,
    headHidden: DEFAULT_TRAIN.headHidden,
    k: a.k,
    heads: positiveInt('heads', a.heads),
    overcluster: overclusterK(a.overcluster),
    labelUpdates: positiveInt('label-updates', a['label-updates']),
    lambda: positive('lambda', a.lambda),
    prior: a.prior,
    priorSd: a.sd,
    align: nonNegative('align', a.align),
    alignTemperature: positive('align-temperature', a['align-temperature']),
    agree: a.agree === undefined ? defaultAgree(modalities, frozenFeatures) : nonNegative('agree', a.agree),
    selfWeight: a['self-weight'] === undefined ? defaultSelfWeight(modalities, frozenFeatures) : unitInterval('self-weight', a['self-weight']),
    epochs: a.epochs === undefined ? DEFAULT_TRAIN.epochs : positiveInt('epochs', a.epochs),
    batchSize: positiveInt('batch-size', a['batch-size']),
    optimizer: a.optimizer,
    lr: positive('lr', a.lr),
    momentum: a.momentum,
    weightDecay: nonNegative('weight-decay', a['weight-decay']),
    warmupEpochs: a['warmup-epochs'],
    augment: a.augment,
    augmentStrength: a['augment-strength'] === 'auto' ? DEFAULT_TRAIN.augmentStrength : a['augment-strength'],
    flip: a.flip ?? DEFAULT_TRAIN.flip,
    seed: a.seed,
  };
  return Object.freeze(cfg);
}

/**
 * The recipes `--augment-strength auto` (and an unset `--flip`) leave to trial runs: only when
 * clips with audio and video train from scratch with augmentation (the trials score how much
 * the two modalities agree); otherwise undefined and the config's defaults hold.
 */
export function recipeCandidatesFrom(a: TrainFlags, modalities: Modality[], frozenFeatures = false): Recipe[] | undefined {
  const open = a['augment-strength'] === 'auto' || a.flip === undefined || a.grey === undefined || a['video-view'] === undefined;
  if (!open || frozenFeatures || !a.augment || !(modalities.includes('video') && modalities.includes('audio'))) return undefined;
  return recipeCandidates(a['augment-strength'], a.flip, a.grey, AUTO_STRENGTHS, a['video-view']);
}

/** What trains when the trials of {@link recipeCandidatesFrom} cannot tell the recipes apart. */
export function recipeFallbackFrom(a: TrainFlags): Recipe {
  return fallbackRecipe(a['augment-strength'], a.flip, a.grey, a['video-view']);
}

/**
 * What every training command passes to its run from the shared flags: the run folder, the
 * config, the reference labels (reporting only), resume, export, backend and output mode.
 */
export function runOptionsFrom(a: TrainFlags & Parameters<typeof runOutputOf>[0], modalities: Modality[], frozenFeatures = false) {
  return {
    out: a.out,
    train: trainConfigFrom(a, modalities, frozenFeatures),
    truth: a.truth,
    truthFormat: a['truth-format'],
    nuisance: a.nuisance,
    resume: a.resume,
    autoEpochs: a.epochs === undefined,
    exportDir: a.export,
    backend: a.backend,
    ...runOutputOf(a),
  };
}

/** Parses `--modalities video,audio`. */
export function parseModalities(text: string): Modality[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const ok = parts.length > 0 && parts.every((p) => p === 'video' || p === 'audio');
  if (!ok || new Set(parts).size !== parts.length) throw new ConfigError(`--modalities must be video,audio | video | audio, got ${JSON.stringify(text)}`);
  return parts as Modality[];
}
