/**
 * The SeLaVi model: one encoder per modality (a (2+1)D ResNet for clips, a 2-D ResNet over the
 * log-mel spectrogram for audio, a 2-D ResNet for images in SeLa mode), each followed by H
 * classification heads (K_h logits each). Sized for CPU by default (`width` 16); larger by flag.
 *
 * Inputs are normalised per item inside the model (see each normaliser): brightness, contrast,
 * colour cast, loudness and stationary noise colour then carry no signal, which at small scale
 * is what the network would otherwise cluster by.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNorm, convBnRelu, dense, residual2d, residual2plus1d, type Ctx } from './layers.js';
import { ParamStore } from './params.js';
import { LUMA_WEIGHTS } from '../util/luma.js';
import type { Rng } from '../util/rng.js';

export type Modality = 'video' | 'audio' | 'image';

/** Model hyper-parameters (saved with every checkpoint). */
export interface ModelConfig {
  /** Which encoders exist. Video mode: ['video', 'audio'] (or one of them); SeLa mode: ['image']. */
  modalities: Modality[];
  /** Base channel width; stages use width, 2·width, 4·width. Default 16. */
  width: number;
  /** K of each head, e.g. [10, 10, 10] for three heads of 10 clusters. */
  heads: number[];
  /** Width of the projection before the heads. Default 128. */
  projection: number;
  /** Width of the alignment embedding (unit length, from the projection); absent or 0: none. */
  alignDim?: number;
  /**
   * Inputs are feature vectors [B, D] per modality, computed once by frozen encoders (a released
   * model's, `selavi cluster --init`): no encoder is built or trained, only the heads.
   */
  featureInput?: boolean;
  /**
   * Each head is its own MLP, Linear → BN → ReLU → Linear, with this hidden width (the official
   * SeLaVi heads); absent: one shared projection per modality under linear heads.
   */
  headHidden?: number;
  /**
   * Video frames are reduced to their luminance (one channel) before the per-clip standardisation:
   * hue then carries no signal, and a colour channel in which the content has little contrast is
   * not stretched to unit variance (its noise would be). Absent: the three colour channels.
   */
  grey?: boolean;
  /**
   * `shared`: the per-clip standardisation subtracts each colour channel's mean but divides every
   * channel by one scale (the clip's overall sd), so a channel the content barely shows in stays
   * small instead of its noise being stretched to unit variance, and colour keeps its meaning.
   * Absent: each channel by its own sd (models saved before this option).
   */
  videoNorm?: 'shared';
  /**
   * `subject`: the data path hands the video encoder subject views (src/data/subject-view.ts), not
   * frames as decoded; kept here so that a saved model is fed as it was trained (`selavi assign`).
   */
  videoView?: 'subject';
}

/** Head logits, the encoders' pooled features and, when the model has them, the alignment embeddings (unit length). */
export interface ModelOutput {
  heads: HeadLogits;
  embeddings: Partial<Record<Modality, tf.Tensor2D>>;
  /** [B, D] per modality: what each encoder gives the heads (`--export`'s features). */
  features: Partial<Record<Modality, tf.Tensor2D>>;
}

/** Logits per modality, one [B, K_h] tensor per head. Caller disposes (or runs inside tf.tidy). */
export type HeadLogits = Partial<Record<Modality, tf.Tensor2D[]>>;

/** Zero mean, unit variance per item over every axis but the batch. */
function normalisePerItem(x: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(1).map((_, i) => i + 1);
  const { mean, variance } = tf.moments(x, axes, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
}

/** 80 dB of power in nats: ln(10^8). */
const TOP_DB_NATS = 8 * Math.LN10;

/**
 * Audio: subtract each mel bin's mean over time (cepstral mean normalisation), then unit variance
 * per clip. Stationary background noise and channel colouring (white/pink/brown, microphone) are
 * a per-bin offset in log-mel, so this removes them as a cue; speech is what varies in time.
 */
function normaliseSpectrogram(x: tf.Tensor3D): tf.Tensor {
  // First floor each clip 80 dB below its loudest bin (as librosa's top_db): in near-silent bins
  // log(mel + ε) is mostly codec and dither noise, whose swings would outweigh the sound itself.
  const floor = tf.sub(tf.max(x, [1, 2], true), TOP_DB_NATS);
  const clipped = tf.maximum(x, floor);
  const centred = tf.sub(clipped, tf.mean(clipped, 1, true)); // [B, F, M] minus [B, 1, M]
  const { variance } = tf.moments(centred, [1, 2], true);
  return tf.div(centred, tf.sqrt(tf.add(variance, 1e-5)));
}

/**
 * Video: per clip and colour channel, zero mean over time and space (the background colour and
 * brightness of a clip carry no signal), then unit variance: per channel, or with `shared` one
 * scale for all channels (contrast carries no signal, colour relations do). With `grey`, the same
 * on the luminance alone ([B, T, H, W, 1]).
 */
function normaliseClip(x: tf.Tensor5D, grey: boolean, shared: boolean): tf.Tensor5D {
  // The luma sum on [N, 3] rows: a rank-5 broadcast multiply has no valid WebGPU shader (tfjs 4.22).
  const [b, t, h, w] = x.shape;
  const y = grey ? (tf.reshape(tf.sum(tf.mul(tf.reshape(x, [-1, 3]), tf.tensor1d([...LUMA_WEIGHTS])), 1), [b, t, h, w, 1]) as tf.Tensor5D) : x;
  const { mean, variance } = tf.moments(y, [1, 2, 3], true);
  const scale = shared ? tf.mean(variance, 4, true) : variance;
  return tf.div(tf.sub(y, mean), tf.sqrt(tf.add(scale, 1e-5)));
}

/** Clip encoder. x: [B, T, H, W, 3] → [B, 4·width] (its stem reads one channel when `grey`). */
function videoEncoder(ctx: Ctx, x: tf.Tensor5D, width: number, grey: boolean, shared: boolean): tf.Tensor2D {
  const normalised = normaliseClip(x, grey, shared);
  const [b, t, h, w, c] = normalised.shape;
  const stem = convBnRelu(ctx, 'video/stem', tf.reshape(normalised, [b * t, h, w, c]) as tf.Tensor4D, width, [3, 3], [2, 2]);
  let y = tf.reshape(stem, [b, t, stem.shape[1], stem.shape[2], width]) as tf.Tensor5D; // [B, T, H/2, W/2, w]
  y = residual2plus1d(ctx, 'video/block1', y, 2 * width, 2); // [B, T, H/4, W/4, 2w]
  y = residual2plus1d(ctx, 'video/block2', y, 4 * width, 2); // [B, T, H/8, W/8, 4w]
  return tf.mean(y, [1, 2, 3]) as tf.Tensor2D; // global average over time and space
}

/** Spectrogram encoder. x: [B, F, M] → [B, 4·width]. */
function audioEncoder(ctx: Ctx, x: tf.Tensor3D, width: number): tf.Tensor2D {
  const [b, f, m] = x.shape;
  let y = convBnRelu(ctx, 'audio/stem', tf.reshape(normaliseSpectrogram(x), [b, f, m, 1]) as tf.Tensor4D, width, [3, 3], [2, 2]);
  y = residual2d(ctx, 'audio/block1', y, 2 * width, 2);
  y = residual2d(ctx, 'audio/block2', y, 4 * width, 2);
  return tf.mean(y, [1, 2]) as tf.Tensor2D;
}

/** Image encoder (SeLa mode). x: [B, H, W, C] → [B, 4·width]. */
function imageEncoder(ctx: Ctx, x: tf.Tensor4D, width: number): tf.Tensor2D {
  let y = convBnRelu(ctx, 'image/stem', normalisePerItem(x) as tf.Tensor4D, width, [3, 3]);
  y = residual2d(ctx, 'image/block1', y, 2 * width, 2);
  y = residual2d(ctx, 'image/block2', y, 4 * width, 2);
  y = residual2d(ctx, 'image/block3', y, 4 * width, 1);
  return tf.mean(y, [1, 2]) as tf.Tensor2D;
}

/** Builds the model's parameters (lazily, on the first forward) and runs it. */
export class SelaviModel {
  readonly params: ParamStore;

  constructor(
    readonly config: ModelConfig,
    rng: Rng,
  ) {
    this.params = new ParamStore(rng);
  }

  /**
   * Forward pass. `inputs` holds a batch per modality: video [B,T,H,W,3], audio [B,F,M], image [B,H,W,C].
   * Returns head logits per modality present in both `inputs` and the config.
   */
  forward(inputs: Partial<Record<Modality, tf.Tensor>>, ctx: Omit<Ctx, 'params'>): HeadLogits {
    return this.forwardAll(inputs, ctx).heads;
  }

  /** As {@link forward}, plus the alignment embeddings when `alignDim` > 0. */
  forwardAll(inputs: Partial<Record<Modality, tf.Tensor>>, ctx: Omit<Ctx, 'params'>): ModelOutput {
    const full: Ctx = { ...ctx, params: this.params };
    const out: HeadLogits = {};
    const embeddings: Partial<Record<Modality, tf.Tensor2D>> = {};
    const features: Partial<Record<Modality, tf.Tensor2D>> = {};
    const alignDim = this.config.alignDim ?? 0;
    for (const m of this.config.modalities) {
      const x = inputs[m];
      if (!x) continue;
      const feat = this.config.featureInput
        ? (x as tf.Tensor2D)
        : m === 'video'
          ? videoEncoder(full, x as tf.Tensor5D, this.config.width, this.config.grey === true, this.config.videoNorm === 'shared')
          : m === 'audio'
            ? audioEncoder(full, x as tf.Tensor3D, this.config.width)
            : imageEncoder(full, x as tf.Tensor4D, this.config.width);
      features[m] = feat;
      const hidden = this.config.headHidden;
      // Official heads read the pooled features; ours share a projection.
      const under = hidden ? feat : (tf.relu(batchNorm(full, `${m}/proj/bn`, dense(full, `${m}/proj`, feat, this.config.projection))) as tf.Tensor2D);
      out[m] = this.config.heads.map((k, h) => {
        const x = hidden ? (tf.relu(batchNorm(full, `${m}/head${h}/hidden/bn`, dense(full, `${m}/head${h}/hidden`, feat, hidden))) as tf.Tensor2D) : under;
        return dense(full, `${m}/head${h}`, x, k);
      });
      if (alignDim > 0) {
        const z = dense(full, `${m}/align`, under, alignDim);
        embeddings[m] = tf.div(z, tf.add(tf.norm(z, 2, 1, true), 1e-8)) as tf.Tensor2D;
      }
    }
    return { heads: out, embeddings, features };
  }

  /** Builds every parameter by running one tiny batch (so checkpoints can be loaded into it). */
  build(shapes: Partial<Record<Modality, number[]>>): void {
    tf.tidy(() => {
      const inputs: Partial<Record<Modality, tf.Tensor>> = {};
      for (const m of this.config.modalities) {
        const s = shapes[m];
        if (s) inputs[m] = tf.zeros([2, ...s]);
      }
      this.forwardAll(inputs, { training: false, bnUpdates: [] });
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
