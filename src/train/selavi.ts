/**
 * The self-labelling loop, one for both modes: SeLa (images) and SeLaVi (clips, audio + video).
 * Asano et al., ICLR 2020 (SeLa); Asano, Patrick, Rupprecht, Vedaldi, NeurIPS 2020 (SeLaVi).
 *
 * build model → build optimizer → resume → for each step: relabel when due (a full pass without
 * augmentation, Sinkhorn on the sum of the modalities' log-probabilities, one shared label per
 * item and head), train (cross-entropy of every modality's head against that label), checkpoint
 * at each epoch end and on SIGINT/SIGTERM. Finally a last relabel gives the clusters.
 */
import * as tf from '@tensorflow/tfjs';
import { normalizedMutualInfo } from '../eval/nmi.js';
import { applyBnUpdates } from '../models/layers.js';
import { SelaviModel, type ModelConfig, type Modality } from '../models/selavi-model.js';
import type { ParamStore } from '../models/params.js';
import { combineLogProbs } from '../sinkhorn/combine.js';
import { resolvePrior } from '../sinkhorn/prior.js';
import { sinkhorn, solveInPlaceByDefault } from '../sinkhorn/sinkhorn.js';
import { argmaxRows } from '../util/argmax-rows.js';
import { createRng, permutation, type Rng } from '../util/rng.js';
import { CheckpointError, ConfigError } from '../errors.js';
import { findCheckpoint, loadCheckpoint, readCheckpointState, saveCheckpoint, saveModel, type CheckpointState } from './checkpoint.js';
import { chooseHead, type HeadChoice } from './choose-head.js';
import { infoNce } from './align-loss.js';
import { clusterMutualInfo } from './agreement-loss.js';
import { DEFAULT_TRAIN, type TrainConfig } from './train-config.js';
import { withWeightDecay } from './weight-decay.js';
import { labelUpdateSteps, learningRate, stepsPerEpoch } from './schedule.js';
import type { TrainSet } from './train-set.js';
import { writeExport } from '../data/export-arrays.js';
import { throwIfKernelFailed } from '../engine/kernel-failures.js';
import { buildHeadEnsemble, ensembleAnswer, type HeadEnsemble } from './head-ensemble.js';

// The config and its defaults live in train-config.ts (no TensorFlow there, so the package's
// public API can export DEFAULT_TRAIN without loading it); re-exported here for the callers.
export { DEFAULT_TRAIN, type TrainConfig } from './train-config.js';

/** K of every head: `heads` heads of K, then as many over-clustering heads of `overcluster`. */
export function headSizes(cfg: Pick<TrainConfig, 'k' | 'heads' | 'overcluster'>): number[] {
  const ks = new Array<number>(cfg.heads).fill(cfg.k);
  if (cfg.overcluster > 0) ks.push(...new Array<number>(cfg.heads).fill(cfg.overcluster));
  return ks;
}

/**
 * What a field meant in checkpoints saved before it existed, where that differs from today's
 * default: `agree` was off (its default is now 2 with audio + video), video was standardised per channel,
 * both modalities learned one shared label (`selfWeight` 1).
 */
const LEGACY_DEFAULTS: Partial<TrainConfig> = { agree: 0, videoNorm: 'channel', selfWeight: 1 };

/**
 * The fields where a checkpoint's config differs from this run's, as `name: saved → now`. A field
 * the checkpoint lacks (saved before the field existed) counts as what it meant then, so runs from
 * older versions still resume.
 */
export function trainConfigDifferences(saved: Partial<TrainConfig>, cfg: Readonly<TrainConfig>): string[] {
  const full: TrainConfig = { ...DEFAULT_TRAIN, ...LEGACY_DEFAULTS, ...saved };
  const keys = new Set([...Object.keys(full), ...Object.keys(cfg)]) as Set<keyof TrainConfig>;
  return [...keys].filter((key) => JSON.stringify(full[key]) !== JSON.stringify(cfg[key])).map((key) => `${key}: ${JSON.stringify(full[key])} → ${JSON.stringify(cfg[key])}`);
}

/** Whether a checkpoint's config matches this run's (see {@link trainConfigDifferences}). */
export function sameTrainConfig(saved: Partial<TrainConfig>, cfg: Readonly<TrainConfig>): boolean {
  return trainConfigDifferences(saved, cfg).length === 0;
}

/** Width of the alignment embedding. */
const ALIGN_DIM = 64;

/** One head's label solve in the log: iterations, marginal error, whether it met the rule, seconds, and whether it started warm. */
export interface SinkhornLog {
  iters: number;
  err: number;
  converged: boolean;
  seconds: number;
  warm: boolean;
}

/** One line of `log.jsonl` per label update (and one at the end). */
export interface LabelUpdateLog {
  event: 'labels' | 'final';
  step: number;
  epoch: number;
  loss: number | null; // mean training loss since the previous update
  align_loss?: number; // its alignment (InfoNCE) part, when on: ln(batch) means nothing is aligned
  agree_mi?: number; // mean over heads of the pairs' cluster mutual information, when on: each head's at most ln K_h
  changed: number[]; // per head: fraction of items whose label changed since the last update
  sizes: number[][]; // per head: cluster sizes
  sinkhorn: SinkhornLog[];
  /** With a self weight below 1: per modality, the solves of the labels it learns (per head), and with truth their NMI (head 0). */
  sinkhorn_modality?: Record<string, SinkhornLog[]>;
  nmi_modality_labels_truth?: Record<string, number>;
  nmi_truth?: number[]; // per head, when truth is known (reporting only)
  nmi_modality_truth?: Record<string, number>; // per modality argmax of head 0 vs truth
  modality_agreement?: number[]; // per head: NMI between its video and its audio argmax (two modalities only; no truth)
  nmi_nuisance?: Record<string, number>; // head 0 vs each known nuisance attribute
  /** The final line only: the run's answer (the heads' sum; see head-ensemble.ts), its sizes and, with truth, its NMI. */
  answer?: { heads: number[]; sizes: number[]; nmi_truth?: number };
  seconds: number;
}

export interface TrainResult {
  labels: Int32Array[]; // per head: the last equal-size labels
  confidence: Float32Array[]; // per head: combined softmax probability of the item's label
  choice: HeadChoice;
  /** A finished run's answer: its heads of --k clusters summed (head-ensemble.ts), in the chosen head's cluster numbering. */
  answer?: { labels: Int32Array; confidence: Float32Array; ensemble: HeadEnsemble };
  /** Two modalities, finished run: per head, each modality's own answer (argmax of its logits). */
  modalityAnswers?: (readonly [Int32Array, Int32Array])[];
  /** Finished run with `keepFeatures`: each modality's pooled features from the final pass, [N, D] row-major. */
  features?: Partial<Record<Modality, Float32Array>>;
  steps: number;
  interrupted: boolean;
}

export interface TrainDeps {
  runDir: string;
  resume: boolean;
  /** One JSON object per call (the run log). */
  logJson: (obj: object) => void;
  /** Human-readable progress lines. */
  say: (line: string) => void;
  /** Start each label update's Sinkhorn solves from the last update's scalings (default true; false: cold, for comparing). */
  sinkhornWarmStart?: boolean;
  /** Called after each training step (progress display). */
  onStep?: (step: number, total: number) => void;
  /** Called after each batch of a label update's scoring pass: items scored so far of all (progress display). */
  onScore?: (done: number, total: number) => void;
  /** Set to stop after the current step with a checkpoint (SIGINT/SIGTERM). */
  stopRequested?: () => boolean;
  /** Test hook: stop (with checkpoint) once this many steps have run. */
  stopAfterStep?: number;
  /** `--export DIR`: write the final model's features and logits of every item there (items.csv, *.npy). */
  exportDir?: string;
  /** Return the final pass's pooled features (TrainResult.features), e.g. for an answer read from them. */
  keepFeatures?: boolean;
  /** Sets starting values of a new run's parameters (e.g. a released model's heads); not on resume. */
  initParams?: (params: ParamStore, model: ModelConfig) => void;
}

/**
 * Per modality and head: log-probabilities [N, K_h] from one pass without augmentation. With
 * `collect`, also each modality's pooled features [N, D] and, per head, the sum over modalities of
 * the raw logits [N, K_h] (what `--export` writes).
 */
export async function scorePass(model: SelaviModel, data: TrainSet, batchSize: number, rng: Rng, collect = false, onBatch?: (done: number, total: number) => void) {
  const { heads: ks, modalities } = model.config;
  const perMod: Partial<Record<Modality, Float32Array[]>> = {};
  const present = modalities.filter((m) => data.shapes[m]);
  for (const m of present) perMod[m] = ks.map((k) => new Float32Array(data.n * k));
  const features: Partial<Record<Modality, Float32Array>> = {};
  const logitSum = collect ? ks.map((k) => new Float32Array(data.n * k)) : [];
  onBatch?.(0, data.n);
  for (let start = 0; start < data.n; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, data.n - start) }, (_, i) => start + i);
    const batch = data.batch(idx, false, rng);
    const outs = tf.tidy(() => {
      const inputs: Partial<Record<Modality, tf.Tensor>> = {};
      for (const m of present) inputs[m] = tf.tensor(batch[m]!.data, batch[m]!.shape);
      const out = model.forwardAll(inputs, { training: false, bnUpdates: [] });
      const res: Partial<Record<Modality, tf.Tensor2D[]>> = {};
      for (const m of present) res[m] = out.heads[m]!.map((l) => tf.logSoftmax(l) as tf.Tensor2D);
      const sums = collect ? ks.map((_, h) => tf.addN(present.map((m) => out.heads[m]![h])) as tf.Tensor2D) : [];
      return { res, sums, feats: collect ? out.features : {} };
    });
    for (const m of present) {
      for (let h = 0; h < ks.length; h++) {
        perMod[m]![h].set(await outs.res[m]![h].data<'float32'>(), start * ks[h]);
        outs.res[m]![h].dispose();
      }
      const f = outs.feats[m];
      if (f) {
        const dim = f.shape[1];
        (features[m] ??= new Float32Array(data.n * dim)).set(await f.data<'float32'>(), start * dim);
        f.dispose();
      }
    }
    for (const [h, t] of outs.sums.entries()) {
      logitSum[h].set(await t.data<'float32'>(), start * ks[h]);
      t.dispose();
    }
    throwIfKernelFailed('scoring the collection');
    onBatch?.(start + idx.length, data.n);
    await yieldToEventLoop(); // a signal during a long pass is answered at once (its message), not after the pass
  }
  return { perMod, present, ks, features, logitSum };
}

/**
 * Per head, the last label update's column scalings: each update's solves start from them (the
 * network moved a little since, so the problem is close to the last one). Undefined: cold starts.
 */
type SinkhornWarm = { fused: (Float64Array | undefined)[]; modality: Partial<Record<Modality, (Float64Array | undefined)[]>> } | undefined;

// Sinkhorn in the loop: 1e-3 mean relative marginal error. Sharp fused log-probabilities (two
// modalities, λ = 20) took more than the former cap of 500 iterations (errors 0.004–0.011 were
// logged as if solved); 2,000 is a few ms at N = 600 and rarely reached.
const SINKHORN_TOL = 1e-3;
const SINKHORN_MAX_ITERS = 2000;

/**
 * Solves new labels for every head from the current network. Returns labels, the confidence
 * of each label (combined softmax prob) and the diagnostics for the log.
 */
async function relabel(model: SelaviModel, data: TrainSet, cfg: TrainConfig, rng: Rng, warm: SinkhornWarm, final: boolean, collect = false, onScore?: TrainDeps['onScore']) {
  const { perMod, present, ks, features, logitSum } = await scorePass(model, data, cfg.batchSize, rng, collect, onScore);
  const n = data.n;
  const solve = (scores: Float32Array, k: number, prior: Float64Array | undefined, warmSlot: (Float64Array | undefined)[] | undefined, h: number) => {
    const t = performance.now();
    const warmStart = warmSlot?.[h];
    const r = sinkhorn(scores, n, k, { lambda: cfg.lambda, prior, tol: SINKHORN_TOL, maxIters: SINKHORN_MAX_ITERS, inPlace: solveInPlaceByDefault(n, k), warmStart });
    if (warmSlot && r.columnLogScaling?.every(Number.isFinite)) warmSlot[h] = r.columnLogScaling;
    const log: SinkhornLog = { iters: r.iterations, err: Number(r.error.toPrecision(3)), converged: r.converged, seconds: round((performance.now() - t) / 1000, 4), warm: warmStart !== undefined };
    return { labels: r.labels, log };
  };
  const labels: Int32Array[] = [];
  const confidence: Float32Array[] = [];
  const stats: SinkhornLog[] = [];
  // The final pass: the answer's heads' fused scores, kept for the heads' sum (head-ensemble.ts).
  const fusedPerHead: Float32Array[] = [];
  // Self weight below 1: each modality learns its own labels, those of the other's log-probabilities
  // plus selfWeight x its own; after the last update nothing learns them.
  const crossing = cfg.selfWeight < 1 && present.length === 2 && !final;
  const modalityLabels: Partial<Record<Modality, Int32Array[]>> = {};
  const modalityStats: Partial<Record<Modality, SinkhornLog[]>> = {};
  for (let h = 0; h < ks.length; h++) {
    const k = ks[h];
    // The multi-modal assignment: sum of the modalities' log-probabilities (SeLaVi).
    const fused = combineLogProbs(present.map((m) => perMod[m]![h]), n, k, 'sum');
    // A solve in place turns its scores into the log-kernel: keep a copy then.
    if (final && h < cfg.heads) fusedPerHead.push(solveInPlaceByDefault(n, k) ? fused.slice() : fused);
    const conf = combineLogProbs([fused], n, k); // renormalised: log p(cluster | all modalities)
    const prior = resolvePrior(cfg.prior, fused, n, k, cfg.priorSd, rng);
    const r = solve(fused, k, prior, warm?.fused, h);
    labels.push(r.labels);
    confidence.push(Float32Array.from(r.labels, (l, i) => Math.exp(conf[i * k + l])));
    stats.push(r.log);
    if (crossing) {
      // Each modality's targets: the other's log-probabilities plus selfWeight x its own, under the same prior.
      for (const m of present) {
        const other = perMod[present.find((o) => o !== m)!]![h];
        const own = perMod[m]![h];
        const blend = new Float32Array(n * k);
        for (let i = 0; i < blend.length; i++) blend[i] = other[i] + cfg.selfWeight * own[i];
        const target = solve(blend, k, prior, warm ? (warm.modality[m] ??= []) : undefined, h);
        (modalityLabels[m] ??= []).push(target.labels);
        (modalityStats[m] ??= []).push(target.log);
      }
    }
  }
  const modalityArgmax: Partial<Record<Modality, Int32Array>> = {};
  for (const m of present) modalityArgmax[m] = argmaxRows(perMod[m]![0], n, ks[0]);
  // Per head: how much its two modalities' own answers agree (NMI of the argmaxes). What both
  // modalities of a clip predict alike is the content they share; no truth involved.
  const modalityAnswers =
    present.length === 2 ? ks.map((k, h) => [argmaxRows(perMod[present[0]]![h], n, k), argmaxRows(perMod[present[1]]![h], n, k)] as const) : undefined;
  const modalityAgreement = modalityAnswers?.map(([a, b]) => normalizedMutualInfo(a, b));
  return { labels, confidence, stats, modalityLabels: crossing ? modalityLabels : undefined, modalityStats, modalityArgmax, modalityAnswers, modalityAgreement, features, logitSum, fused: fusedPerHead };
}

/**
 * What is wrong with a checkpoint's labels for this run, or undefined: per-modality labels present
 * exactly when this run trains on them (once labels exist), one array per head and modality, and
 * every label a cluster of its head (a label out of range would silently train nothing: a zero one-hot).
 */
function resumedLabelsProblem(saved: CheckpointState, present: readonly Modality[], ks: readonly number[], crossing: boolean): string | undefined {
  const inRange = (ls: number[][]) => ls.length === ks.length && ls.every((l, h) => l.every((x) => Number.isInteger(x) && x >= 0 && x < ks[h]));
  if (saved.labels.length > 0 && !inRange(saved.labels)) return `labels must be ${ks.length} arrays of clusters 0..K-1 of their head`;
  if (saved.labels.length === 0) return undefined;
  if (crossing !== (saved.modalityLabels !== undefined)) {
    return crossing ? 'no modalityLabels, which a run with --self-weight below 1 trains on' : 'modalityLabels, which a run with --self-weight 1 does not train on';
  }
  if (crossing && !present.every((m) => Array.isArray(saved.modalityLabels![m]) && inRange(saved.modalityLabels![m]))) {
    return `modalityLabels do not hold ${ks.length} label arrays of clusters 0..K-1 for each of ${present.join(', ')}`;
  }
  return undefined;
}

/** The heads whose solve stopped at the iteration cap. */
function cappedHeads(stats: readonly SinkhornLog[]): number[] {
  return stats.flatMap((st, h) => (st.converged ? [] : [h]));
}

/** Per-head labels as JSON arrays (the checkpoint's form). */
function plainLabels(perHead: readonly Int32Array[]): number[][] {
  return perHead.map((l) => Array.from(l));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sizes(labels: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

/** NMI on the items whose reference value is known (>= 0). */
function nmiKnown(ref: Int32Array, pred: Int32Array): number {
  const keep: number[] = [];
  for (let i = 0; i < ref.length; i++) if (ref[i] >= 0) keep.push(i);
  return normalizedMutualInfo(
    keep.map((i) => ref[i]),
    keep.map((i) => pred[i]),
  );
}

/** Momentum's dispose() forgets the learning-rate scalar it inherits from SGD (tfjs 4.22): free it too. */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed && optimizer instanceof tf.MomentumOptimizer) c.dispose();
}

/** SGD/momentum cache -lr in a tensor (setLearningRate); Adam reads the field. */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** Lets the event loop run pending callbacks (signal handlers, timers) between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

/** Trains and labels. Disposes everything it creates. */
export async function train(cfg: Readonly<TrainConfig>, data: TrainSet, deps: TrainDeps): Promise<TrainResult> {
  const present = cfg.modalities.filter((m) => data.shapes[m]);
  if (present.length === 0) throw new ConfigError(`--modalities ${cfg.modalities.join(',')}: the data has none of these`);
  if (data.n < cfg.k) throw new ConfigError(`${data.n} items cannot fill --k ${cfg.k} clusters`);
  if (data.n < cfg.overcluster) throw new ConfigError(`${data.n} items cannot fill --overcluster ${cfg.overcluster} clusters`);
  if (!(cfg.selfWeight >= 0 && cfg.selfWeight <= 1)) throw new ConfigError(`--self-weight must be between 0 and 1, got ${cfg.selfWeight}`);
  for (const [flag, w] of [['align', cfg.align], ['agree', cfg.agree]] as const) {
    if (w > 0 && present.length === 1 && !cfg.augment) {
      throw new ConfigError(`--${flag} with one modality (${present[0]}) compares two augmented views of each item: drop --no-augment or --${flag}`);
    }
  }
  // A checkpoint from other flags is refused before anything is built or loaded.
  const ckpt = deps.resume ? findCheckpoint(deps.runDir) : undefined;
  const saved = ckpt ? readCheckpointState(ckpt) : undefined;
  const differences = ckpt && saved ? trainConfigDifferences(saved.config as Partial<TrainConfig>, cfg) : [];
  if (ckpt && differences.length > 0) {
    // Name the fields: a default that changed between versions (agree) is otherwise a puzzle.
    throw new ConfigError(`${ckpt}: checkpoint was made with another configuration (${differences.join('; ')}); rerun with the checkpoint's values or without --resume`);
  }
  const savedLabels = saved ? [...saved.labels, ...Object.values(saved.modalityLabels ?? {}).flat()] : [];
  if (ckpt && saved && (saved.order.length !== data.n || savedLabels.some((l) => l.length !== data.n))) {
    throw new CheckpointError(ckpt, `made on ${saved.order.length} items, the data now has ${data.n}; resume on the same data or start a new run`);
  }
  const t0 = performance.now();
  const rng = createRng(cfg.seed);
  // ===== model and optimizer =====
  // Alignment pairs: a clip's video and audio; with one modality, two augmented views of each item.
  const pairKind: 'cross-modal' | 'two-view' = present.length === 2 ? 'cross-modal' : 'two-view';
  const aligned = cfg.align > 0;
  const agreeing = cfg.agree > 0;
  const twoViews = pairKind === 'two-view' && (aligned || agreeing);
  const modelConfig: ModelConfig = {
    modalities: present,
    width: cfg.width,
    heads: headSizes(cfg),
    projection: cfg.projection,
    ...(aligned ? { alignDim: ALIGN_DIM } : {}),
    ...(cfg.headHidden > 0 ? { headHidden: cfg.headHidden } : {}),
    ...(cfg.grey && present.includes('video') ? { grey: true } : {}),
    ...(cfg.videoNorm === 'shared' && present.includes('video') ? { videoNorm: 'shared' as const } : {}),
    ...(cfg.videoView === 'subject' && present.includes('video') && !data.featureInput ? { videoView: 'subject' as const } : {}),
    ...(data.featureInput ? { featureInput: true } : {}),
  };
  const model = new SelaviModel(modelConfig, rng);
  model.build(data.shapes);
  if (!ckpt) deps.initParams?.(model.params, modelConfig);
  const optimizer = cfg.optimizer === 'adam' ? tf.train.adam(cfg.lr) : tf.train.momentum(cfg.lr, cfg.momentum);
  const batchSize = Math.min(cfg.batchSize, data.n);
  const epochSteps = stepsPerEpoch(data.n, batchSize);
  const totalSteps = cfg.epochs * epochSteps;
  const updateAt = labelUpdateSteps(totalSteps, cfg.labelUpdates);
  const ks = modelConfig.heads;
  let step = 0;
  let updatesDone = 0;
  let order = permutation(data.n, rng);
  let labels: Int32Array[] = [];
  // With a self weight below 1, each modality's own target labels per head.
  let modalityLabels: Partial<Record<Modality, Int32Array[]>> | undefined;

  // ===== resume =====
  if (ckpt && saved) {
    try {
      await loadCheckpoint(ckpt, saved, model.params, optimizer);
    } catch (err) {
      model.dispose(); // a damaged checkpoint: free what was built before saying so
      disposeOptimizer(optimizer);
      throw err;
    }
    step = saved.step;
    updatesDone = saved.updatesDone;
    order = Int32Array.from(saved.order);
    labels = saved.labels.map((l) => Int32Array.from(l));
    const problem = resumedLabelsProblem(saved, present, ks, cfg.selfWeight < 1 && present.length === 2);
    if (problem) {
      model.dispose();
      disposeOptimizer(optimizer);
      throw new CheckpointError(ckpt, `state.json: ${problem}`);
    }
    if (saved.modalityLabels) modalityLabels = Object.fromEntries(present.map((m) => [m, saved.modalityLabels![m].map((l) => Int32Array.from(l))]));
    rng.restore(saved.rng);
    deps.say(`resumed from ${ckpt} at step ${step}/${totalSteps}`);
  }
  const checkpoint = () =>
    saveCheckpoint(
      deps.runDir,
      {
        config: cfg,
        step,
        updatesDone,
        rng: rng.state(),
        order: Array.from(order),
        labels: plainLabels(labels),
        ...(modalityLabels && { modalityLabels: Object.fromEntries(Object.entries(modalityLabels).map(([m, ls]) => [m, plainLabels(ls)])) }),
      },
      model.params,
      optimizer,
    );

  const logUpdate = (event: 'labels' | 'final', r: Awaited<ReturnType<typeof relabel>>, previous: Int32Array[], t: number, answer?: TrainResult['answer']) => {
    const loss = lossCount ? lossSum / lossCount : null;
    const entry: LabelUpdateLog = {
      event,
      step,
      epoch: round(step / epochSteps, 3),
      loss: loss === null ? null : round(loss),
      changed: r.labels.map((l, h) => (previous[h] ? round(l.reduce((s, x, i) => s + (x !== previous[h][i] ? 1 : 0), 0) / data.n) : 1)),
      sizes: r.labels.map((l, h) => sizes(l, ks[h])),
      sinkhorn: r.stats,
      ...(r.modalityLabels && { sinkhorn_modality: r.modalityStats as Record<string, SinkhornLog[]> }),
      ...(r.modalityAgreement && { modality_agreement: r.modalityAgreement.map((x) => round(x)) }),
      seconds: round((performance.now() - t) / 1000, 2),
    };
    if (aligned && lossCount) entry.align_loss = round(alignSum / lossCount);
    if (agreeing && lossCount) entry.agree_mi = round(agreeSum / lossCount);
    if (data.truth) {
      entry.nmi_truth = r.labels.map((l) => round(nmiKnown(data.truth!, l)));
      if (r.modalityLabels) entry.nmi_modality_labels_truth = Object.fromEntries(Object.entries(r.modalityLabels).map(([m, ls]) => [m, round(nmiKnown(data.truth!, ls[0]))]));
      entry.nmi_modality_truth = Object.fromEntries(Object.entries(r.modalityArgmax).map(([m, a]) => [m, round(nmiKnown(data.truth!, a))]));
    }
    if (answer) {
      entry.answer = { heads: answer.ensemble.heads, sizes: sizes(answer.labels, cfg.k), ...(data.truth && { nmi_truth: round(nmiKnown(data.truth, answer.labels)) }) };
    }
    if (data.nuisances) {
      entry.nmi_nuisance = Object.fromEntries(Object.entries(data.nuisances).map(([name, v]) => [name, round(nmiKnown(v, r.labels[0]))]));
    }
    deps.logJson(entry);
    const unsolved = cappedHeads(r.stats);
    if (unsolved.length > 0) {
      // The realised label sizes say how far from the asked partition that leaves the labels.
      const spans = unsolved.map((h) => `${Math.min(...entry.sizes[h])}-${Math.max(...entry.sizes[h])}`).join(', ');
      deps.say(`warning: Sinkhorn stopped at its ${SINKHORN_MAX_ITERS}-iteration cap for head(s) ${unsolved.join(', ')} (marginal error ${unsolved.map((h) => r.stats[h].err).join(', ')} > ${SINKHORN_TOL}; cluster sizes ${spans} of ${data.n} items): those labels are less balanced than asked`);
    }
    // The per-modality targets are what the heads train on: the same warning for theirs.
    for (const [m, solves] of Object.entries(r.modalityLabels ? r.modalityStats : {})) {
      const capped = cappedHeads(solves!);
      if (capped.length > 0) {
        deps.say(`warning: Sinkhorn stopped at its ${SINKHORN_MAX_ITERS}-iteration cap for the ${m} targets of head(s) ${capped.join(', ')} (marginal error ${capped.map((h) => solves![h].err).join(', ')} > ${SINKHORN_TOL}): those labels are less balanced than asked`);
      }
    }
    const truthPart = entry.nmi_truth ? ` nmi(truth)=${entry.nmi_truth.map((x) => x.toFixed(3)).join('/')}` : '';
    deps.say(`labels @ step ${step}/${totalSteps}: changed ${entry.changed.map((x) => x.toFixed(2)).join('/')}${truthPart}${loss === null ? '' : ` loss=${loss.toFixed(3)}`}`);
  };

  // ===== training =====
  const warm: SinkhornWarm = deps.sinkhornWarmStart === false ? undefined : { fused: [], modality: {} };
  let lossSum = 0;
  let alignSum = 0;
  let agreeSum = 0;
  let lossCount = 0;
  let interrupted = false;
  const trainable = model.params.trainable();
  const decayed = model.params.kernels();
  while (step < totalSteps) {
    // ----- relabel when due -----
    if (updatesDone < updateAt.length && step >= updateAt[updatesDone]) {
      const t = performance.now();
      const r = await relabel(model, data, cfg, rng, warm, false, false, deps.onScore);
      logUpdate('labels', r, labels, t);
      labels = r.labels;
      modalityLabels = r.modalityLabels;
      lossSum = 0;
      alignSum = 0;
      agreeSum = 0;
      lossCount = 0;
      updatesDone++;
    }
    // ----- one step: cross-entropy of every modality's head h against its target for head h: the
    // shared label, or with a self weight below 1 that modality's own target -----
    const posInEpoch = step % epochSteps;
    const idx = order.subarray(posInEpoch * batchSize, (posInEpoch + 1) * batchSize);
    const batch = data.batch(idx, cfg.augment, rng);
    const second = twoViews ? data.batch(idx, true, rng) : undefined;
    const lr = learningRate(step, totalSteps, cfg.lr, cfg.warmupEpochs * epochSteps);
    setLearningRate(optimizer, lr);
    const ctx = { params: model.params, training: true, bnUpdates: [] as Parameters<typeof applyBnUpdates>[0]['bnUpdates'] };
    let alignTerm: tf.Scalar | undefined;
    let agreeTerm: tf.Scalar | undefined;
    const loss = tf.tidy(() => {
      const inputs: Partial<Record<Modality, tf.Tensor>> = {};
      for (const m of present) {
        const first = tf.tensor(batch[m]!.data, batch[m]!.shape);
        // Two views ride in one batch of 2B (first views, then second views): one forward pass.
        inputs[m] = second ? tf.concat([first, tf.tensor(second[m]!.data, second[m]!.shape)]) : first;
      }
      const targetIds = Array.from(idx, (i) => i);
      if (second) targetIds.push(...targetIds);
      const oneHot = (perHead: Int32Array[]) => perHead.map((l, h) => tf.oneHot(tf.tensor1d(targetIds.map((i) => l[i]), 'int32'), ks[h]));
      const shared = modalityLabels ? undefined : oneHot(labels);
      const targets = Object.fromEntries(present.map((m) => [m, shared ?? oneHot(modalityLabels![m]!)])) as Record<Modality, tf.Tensor[]>;
      const { value, grads: raw } = tf.variableGrads(() => {
        const { heads: out, embeddings } = model.forwardAll(inputs, ctx);
        const terms: tf.Scalar[] = [];
        for (const m of present) out[m]!.forEach((logits, h) => terms.push(tf.losses.softmaxCrossEntropy(targets[m][h], logits) as tf.Scalar));
        let total = tf.div(tf.addN(terms), terms.length) as tf.Scalar;
        // The pairs: a clip's video and audio, or the first and second half of the 2B batch.
        const pair = (per: Partial<Record<Modality, tf.Tensor2D>>): [tf.Tensor2D, tf.Tensor2D] =>
          pairKind === 'cross-modal' ? [per.video!, per.audio!] : (tf.split(per[present[0]]!, 2) as [tf.Tensor2D, tf.Tensor2D]);
        if (aligned) {
          const nce = infoNce(...pair(embeddings), cfg.alignTemperature);
          alignTerm = tf.keep(nce);
          total = tf.add(total, tf.mul(nce, cfg.align));
        }
        if (agreeing) {
          const mi = ks.map((_, h) => {
            const posteriors = Object.fromEntries(present.map((m) => [m, tf.softmax(out[m]![h])]));
            return clusterMutualInfo(...pair(posteriors), pairKind === 'two-view');
          });
          const meanMi = tf.div(tf.addN(mi), mi.length) as tf.Scalar;
          agreeTerm = tf.keep(meanMi);
          total = tf.sub(total, tf.mul(meanMi, cfg.agree)); // maximise the agreement
        }
        return total;
      }, trainable);
      const grads = withWeightDecay(raw, decayed, cfg.weightDecay); // kernels only, not biases or batch-norm
      // variableGrads keys grads by variable name, which applyGradients looks up (its typing wants Variables).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      optimizer.applyGradients(grads as any);
      return value;
    });
    applyBnUpdates(ctx);
    lossSum += (await loss.data())[0];
    throwIfKernelFailed(`training step ${step + 1}`);
    if (alignTerm) {
      alignSum += (await alignTerm.data())[0];
      alignTerm.dispose();
    }
    if (agreeTerm) {
      agreeSum += (await agreeTerm.data())[0];
      agreeTerm.dispose();
    }
    loss.dispose();
    lossCount++;
    step++;
    deps.onStep?.(step, totalSteps);
    // On the wasm and cpu backends every await of a step resolves as a microtask, so without this
    // the event loop never turned: SIGINT/SIGTERM handlers (and timers) waited for the whole run.
    await yieldToEventLoop();
    // ----- checkpoint at epoch end, or when asked to stop -----
    const stop = deps.stopRequested?.() || (deps.stopAfterStep !== undefined && step >= deps.stopAfterStep);
    if (step % epochSteps === 0 || stop) {
      if (step % epochSteps === 0 && step < totalSteps) order = permutation(data.n, rng);
      await checkpoint();
    }
    if (stop && step < totalSteps) {
      interrupted = true;
      break;
    }
  }

  let result: TrainResult;
  if (interrupted) {
    result = { labels, confidence: [], choice: chooseHead(labels.slice(0, cfg.heads)), steps: step, interrupted };
  } else {
    // ===== final labels from the trained network =====
    const t = performance.now();
    const r = await relabel(model, data, cfg, rng, warm, true, deps.exportDir !== undefined || deps.keepFeatures === true, deps.onScore);
    const choice = chooseHead(r.labels.slice(0, cfg.heads), r.modalityAgreement); // the answer has --k clusters
    const ensemble = buildHeadEnsemble(r.fused, range(cfg.heads), choice.head, data.n, cfg.k);
    const answer = { ...ensembleAnswer(r.fused, ensemble, data.n, cfg.k), ensemble };
    logUpdate('final', r, labels, t, answer);
    if (deps.exportDir) writeExport(deps.exportDir, data.names, r.features, r.logitSum, ks);
    const why = choice.modalityAgreement
      ? `video–audio agreement ${choice.modalityAgreement.map((x) => x.toFixed(3)).join('/')}`
      : `mean NMI to the other heads ${choice.meanAgreement.map((x) => x.toFixed(3)).join('/')}`;
    const members = ensemble.heads.length > 1 ? `, with head${ensemble.heads.length > 2 ? 's' : ''} ${ensemble.heads.slice(1).join(', ')} matched onto it` : '';
    deps.say(`head ${choice.head} answers (${why})${members}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await saveModel(deps.runDir, modelConfig, { train: cfg, shapes: data.shapes, head: choice.head, head_rule: choice.rule, answer: ensemble }, model.params);
    result = { labels: r.labels, confidence: r.confidence, choice, answer, modalityAnswers: r.modalityAnswers, features: deps.keepFeatures ? r.features : undefined, steps: step, interrupted };
  }
  model.dispose();
  disposeOptimizer(optimizer);
  return result;
}
