/**
 * The public API of `selavi-ts`: `import { clusterVideos, sinkhorn, nmi, evaluate } from 'selavi-ts'`.
 * Everything else under src/ is internal.
 *
 * The maths (Sinkhorn-Knopp, the metrics, the truth and clusters readers) is pure TypeScript over
 * arrays and loads no TensorFlow. The jobs (cluster, assign, decode, the released models) are thin
 * async wrappers that import their module (decoding, training, the released networks, and with
 * them TensorFlow.js) on first call, as the CLI does.
 *
 * @example
 * import { clusterVideos, DEFAULT_TRAIN, evaluate, readClusters, readTruth } from 'selavi-ts';
 * const run = await clusterVideos({ videos: 'clips', out: 'runs/mine', train: { ...DEFAULT_TRAIN, k: 10 }, decode: {}, resume: false });
 * const scores = evaluate(await readClusters(run.clusters), await readTruth('labels.csv'));
 */
import type { AssignJob } from './pipeline/assign.js';
import type { ClusterReleasedJob } from './pipeline/cluster-released.js';
import type { ReleasedAssignJob, ReleasedAssignSummary } from './pipeline/assign-released.js';
import type { ClusterJob, RunOptions, RunSummary } from './pipeline/run-cluster.js';
import type { BuildCacheOptions, CacheSummary } from './data/cache.js';
import type { ClipCache } from './data/cache-reader.js';
import type { ImageSet } from './data/types.js';
import type { TorchCheckpoint } from './models/torch/read-checkpoint.js';

// ===== the maths: pure functions over arrays =====
export { sinkhorn, type SinkhornOptions, type SinkhornResult } from './sinkhorn/sinkhorn.js';
export { normalizedMutualInfo, normalizedMutualInfo as nmi } from './eval/nmi.js';
export { adjustedMutualInfo } from './eval/ami.js';
export { adjustedRandIndex } from './eval/ari.js';
export { clusterAccuracy } from './eval/accuracy.js';
export { purity } from './eval/purity.js';
export { scoreLabels, type LabelScores } from './eval/score-labels.js';
export { chooseHead, type HeadChoice } from './train/choose-head.js';
export { createRng, permutation, type Rng } from './util/rng.js';

// ===== scoring against published labels =====
export { evaluate, type EvalReport } from './eval/evaluate.js';
export { readTruth, parseTruth, type TruthTable, type TruthClip } from './eval/read-truth.js';
export { readClusters, parseClusters, type ClusterTable } from './eval/read-clusters.js';

// ===== inputs, settings and errors =====
export { readImageFolder, type ImageFolderOptions, type ImageFolderSet } from './data/image-folder.js';
export { readIdxImages, type ReadIdxImagesOptions } from './data/idx.js';
export { readNpyArray, writeNpy, type NpyArray } from './data/npy.js';
export { DEFAULT_DECODE, resolveDecodeOptions, type DecodeOptions } from './media/decode-options.js';
export { DEFAULT_TRAIN, defaultAgree, defaultSelfWeight, type TrainConfig } from './train/train-config.js';
export { UserError, InputError, ConfigError, MediaDecodeError, CheckpointError } from './errors.js';
export type { ImageSet, SkippedItem } from './data/types.js';
export type { AssignJob, ClusterJob, ClusterReleasedJob, ReleasedAssignJob, ReleasedAssignSummary, RunOptions, RunSummary, BuildCacheOptions, CacheSummary, ClipCache, TorchCheckpoint };

// ===== the jobs: each loads its module (and TensorFlow) on first call =====

/**
 * `selavi cluster`: decodes a folder of videos (or opens a `--cache`), trains SeLaVi from scratch
 * and writes RUN/clusters.csv, log.jsonl, model/, checkpoint/ and, with `truth`, metrics.json.
 * @example const run = await runCluster({ videos: 'clips', out: 'runs/a', train: DEFAULT_TRAIN, decode: {}, resume: false });
 */
export async function runCluster(job: ClusterJob): Promise<RunSummary> {
  return (await import('./pipeline/run-cluster.js')).runCluster(job);
}

/** The same function as {@link runCluster}, under the name of what it does. */
export const clusterVideos = runCluster;

/**
 * `selavi sela`: image-only self-labelling (SeLa) of an ImageSet ({@link readImageFolder},
 * {@link readIdxImages}); writes the run folder as {@link runCluster} does.
 */
export async function runSela(images: ImageSet, opts: RunOptions): Promise<RunSummary> {
  return (await import('./pipeline/run-cluster.js')).runSela(images, opts);
}

/**
 * `selavi assign --run RUN`: labels new videos with a trained run (no training); writes a
 * `path,cluster,confidence` CSV.
 */
export async function runAssign(job: AssignJob): Promise<{ out: string; clips: number; skipped: number; head: number }> {
  return (await import('./pipeline/assign.js')).runAssign(job);
}

/** The same function as {@link runAssign}, under the name of what it does. */
export const assignVideos = runAssign;

/** `selavi assign --weights FILE.pth`: labels videos with a released SeLaVi model. */
export async function runReleasedAssign(job: ReleasedAssignJob): Promise<ReleasedAssignSummary> {
  return (await import('./pipeline/assign-released.js')).runReleasedAssign(job);
}

/** `selavi cluster --init FILE.pth`: trains heads on a released model's frozen features. */
export async function runClusterReleased(job: ClusterReleasedJob): Promise<RunSummary> {
  return (await import('./pipeline/cluster-released.js')).runClusterReleased(job);
}

/** `selavi decode`: decodes (one shard of) a folder of videos into a clip cache. */
export async function buildCache(opts: BuildCacheOptions): Promise<CacheSummary> {
  return (await import('./data/cache.js')).buildCache(opts);
}

/** Opens a clip cache (all complete shards, merged in memory); close it when done. */
export async function openCache(dir: string): Promise<ClipCache> {
  return (await import('./data/cache-reader.js')).openCache(dir);
}

/** Reads a PyTorch checkpoint (legacy or zip `torch.save`, optionally .gz) without running code. */
export async function readTorchCheckpoint(file: string): Promise<TorchCheckpoint> {
  return (await import('./models/torch/read-checkpoint.js')).readTorchCheckpoint(file);
}
