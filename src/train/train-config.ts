/**
 * The training config of a run and its defaults (nanoGPT-style: one commented value per field).
 * Plain data with no TensorFlow import, so the public API (src/index.ts) can export it cheaply.
 */
import type { Modality } from '../models/selavi-model.js';
import type { PriorKind } from '../sinkhorn/prior.js';

/**
 * Clip augmentation sets (src/train/train-set.ts): `full` (every nuisance), `light` (small crops,
 * audio gain and time shift), `warp` (light plus rotation/zoom/shift of frames and tempo/pitch of
 * the audio).
 */
export type AugmentStrength = 'full' | 'light' | 'warp';
export const AUGMENT_STRENGTHS: readonly AugmentStrength[] = ['full', 'light', 'warp'];
/**
 * How the video encoder sees frames: `frame`, as decoded; `subject`, each frame's one subject on a
 * plain background centred, made bright and freed of lighting gradients, in grey (src/data/subject-view.ts).
 */
export type VideoView = 'frame' | 'subject';
export const VIDEO_VIEWS: readonly VideoView[] = ['frame', 'subject'];

/** What `--augment-strength auto` tries (see src/pipeline/choose-recipe.ts). */
export const AUTO_STRENGTHS: readonly AugmentStrength[] = ['warp'];

/** Everything that shapes a run (saved in checkpoints and the model; a resume must match). */
export interface TrainConfig {
  // ----- model -----
  modalities: Modality[]; // encoders to train: ['video', 'audio'], one of them, or ['image']
  width: number; // base channel width of the encoders
  grey: boolean; // the video encoder reads each frame's luminance only (hue and low-contrast colour channels carry no signal)
  videoNorm: 'shared' | 'channel'; // per-clip standardisation of frames: one scale for all colour channels, or one per channel
  videoView: VideoView; // frames as decoded, or each frame's subject centred, signed and unlit (src/data/subject-view.ts)
  projection: number; // width of the layer under the heads
  headHidden: number; // > 0: each head is its own MLP of this hidden width (the official heads) instead of a shared projection
  // ----- self-labelling -----
  k: number; // clusters per head
  heads: number; // number of heads (same K, different random init); the answer is one of these
  overcluster: number; // K of one more head beside each of those (over-clustering, SeLa); 0: none
  labelUpdates: number; // Sinkhorn re-solves over the run, dense early ((i/U)^1.5)
  lambda: number; // λ of P^λ
  prior: PriorKind; // cluster-size prior: uniform or gauss
  priorSd: number; // relative sd of the Gaussian prior
  selfWeight: number; // with audio and video: each modality learns the labels of the other's log-probabilities plus this times its own (1: one shared label, as SeLaVi; see defaultSelfWeight)
  // ----- pairs: a clip's audio and video, or two augmented views with one modality -----
  align: number; // weight of the audio-visual InfoNCE term (0: pure SeLaVi)
  alignTemperature: number; // τ of that InfoNCE
  agree: number; // weight of the cluster agreement (IIC mutual information) between the same pairs (0: off; see defaultAgree)
  // ----- optimisation -----
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  lr: number; // peak learning rate
  momentum: number; // SGD momentum
  weightDecay: number; // L2 weight decay on conv/dense kernels
  warmupEpochs: number;
  augment: boolean; // augment training batches (never the relabel pass)
  augmentStrength: AugmentStrength; // clips: every augmentation, small crops and audio gain/time shift only, or those plus geometric warps
  flip: boolean; // mirror items left-right among the augmentations (off for text, digits: handed content)
  seed: number;
}

/** Defaults, CPU-sized. */
export const DEFAULT_TRAIN: Readonly<TrainConfig> = Object.freeze({
  modalities: ['video', 'audio'] as Modality[],
  width: 16,
  grey: false,
  videoNorm: 'shared' as const,
  videoView: 'frame' as const,
  projection: 128,
  headHidden: 0,
  k: 10,
  heads: 3,
  overcluster: 0,
  labelUpdates: 20,
  lambda: 20,
  prior: 'uniform' as PriorKind,
  priorSd: 0.1,
  selfWeight: 0.25, // audio + video from scratch: see defaultSelfWeight
  align: 0,
  alignTemperature: 0.1,
  agree: 2, // audio + video: see defaultAgree
  epochs: 20,
  batchSize: 32,
  optimizer: 'sgd' as const,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 0,
  warmupEpochs: 1,
  augment: true,
  augmentStrength: 'full' as const,
  flip: true,
  seed: 0,
});

/**
 * The cluster-agreement weight a run gets when none is asked for. With audio and video trained
 * from scratch, 2: the two modalities' cluster posteriors must share information, so a label that
 * only one modality can see (its nuisance) stops paying (easy AV digits, 600 clips, 40 epochs,
 * seed 1: fused NMI 0.824 without it, 0.870 at 1, 0.996 at 2). Otherwise 0: with one modality
 * the pairs are two augmented views of each item (twice the compute per step), and heads trained
 * on a released model's frozen features follow the official recipe, which has no such term.
 */
export function defaultAgree(modalities: readonly Modality[], frozenFeatures = false): number {
  return modalities.length === 2 && !frozenFeatures ? DEFAULT_TRAIN.agree : 0;
}

/**
 * The weight of a modality's own log-probabilities in the labels it learns, when none is asked for.
 * SeLaVi (1) gives both modalities one label per clip, the equal-size assignment of the sum of
 * their log-probabilities: a modality's own nuisance (a voice, a rotation) is then in its own
 * targets and feeds itself. Learning mostly the other modality's view (cross-modal targets, as XDC
 * does for clustering) cuts that loop: what the two share is what both end up clustering. Not 0:
 * a modality that says nothing about the content (a still frame, one tone for every clip) has
 * arbitrary labels of its own, and the other would learn those; with any own weight > 0 a constant
 * modality leaves the other its own labels. Medium AV digits, three seeds (README, sixth round):
 * NMI 0.486 at 1, 0.709 at 0, 0.822 at 0.5, 0.880 at 0.25. Heads on a released model's frozen
 * features (`--init`) and one modality keep 1.
 */
export function defaultSelfWeight(modalities: readonly Modality[], frozenFeatures = false): number {
  return modalities.length === 2 && !frozenFeatures ? DEFAULT_TRAIN.selfWeight : 1;
}
