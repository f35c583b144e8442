/**
 * The official SeLaVi network (R(2+1)D-18 video encoder, ResNet audio encoder, MLP heads) in
 * TensorFlow.js, evaluation mode only, from weights read by `officialWeights`.
 *
 * Layouts are channels-last: clips [B, T, H, W, 3] (PyTorch's [B, 3, T, H, W] transposed),
 * spectrograms [B, F, M, 1] (PyTorch's [B, 1, F, M]). Every Conv3d of r2plus1d is (1,k,k) or
 * (k,1,1), so each is a conv2d: over frames [B·T, H, W, C], or over time [B, T, H·W, C]; on wasm
 * a conv2d runs in XNNPACK, while the package's Conv3D is a scalar loop. Padding is PyTorch's
 * explicit symmetric padding ('same' pads a stride-2 conv asymmetrically and would shift every
 * feature map by a pixel). Batch norms are folded into the layer before them (official-weights.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { AudioBlock, Conv2Plus1D, FoldedConv, FoldedLinear, HeadWeights, OfficialWeights, VideoBlock } from './official-weights.js';

interface ConvT {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  stride: [number, number];
  pad: [number, number];
}
interface LinearT {
  weight: tf.Tensor2D;
  bias: tf.Tensor1D;
}
interface HeadT {
  hidden?: LinearT;
  out: LinearT;
}

/** Pooled features and each head's logits, per modality. Caller disposes. */
export interface OfficialOutput {
  /** [B, 512] each. */
  features: { video?: tf.Tensor2D; audio?: tf.Tensor2D };
  /** logits[h].video / .audio: [B, K_h]. */
  logits: { video?: tf.Tensor2D; audio?: tf.Tensor2D }[];
}

export class OfficialSelaviModel {
  /** K of each head. */
  readonly heads: number[];
  readonly featureDims: { video: number; audio: number };
  private readonly tensors: tf.Tensor[] = [];
  private readonly video: { stem: [ConvT, ConvT]; layers: { c1: [ConvT, ConvT]; c2: [ConvT, ConvT]; down?: ConvT & { temporalStride: number } }[][] };
  private readonly audio: { stem: ConvT; layers: { c1: ConvT; c2: ConvT; down?: ConvT }[][] };
  private readonly headT: { video: HeadT; audio: HeadT }[];

  constructor(w: OfficialWeights) {
    const conv = (c: FoldedConv): ConvT => ({
      filter: this.keep(tf.tensor4d(c.filter, c.filterShape)),
      bias: this.keep(tf.tensor1d(c.bias)),
      stride: c.stride,
      pad: c.pad,
    });
    const two = (c: Conv2Plus1D): [ConvT, ConvT] => [conv(c.spatial), conv(c.temporal)];
    const lin = (l: FoldedLinear): LinearT => ({ weight: this.keep(tf.tensor2d(l.weight, [l.din, l.dout])), bias: this.keep(tf.tensor1d(l.bias)) });
    const head = (h: HeadWeights): HeadT => ({ hidden: h.hidden && lin(h.hidden), out: lin(h.out) });
    this.video = {
      stem: two(w.video.stem),
      layers: w.video.layers.map((blocks) =>
        blocks.map((b: VideoBlock) => ({ c1: two(b.conv1), c2: two(b.conv2), down: b.downsample && { ...conv(b.downsample), temporalStride: b.downsample.temporalStride } })),
      ),
    };
    this.audio = {
      stem: conv(w.audio.stem),
      layers: w.audio.layers.map((blocks) => blocks.map((b: AudioBlock) => ({ c1: conv(b.conv1), c2: conv(b.conv2), down: b.downsample && conv(b.downsample) }))),
    };
    this.headT = w.heads.map((h) => ({ video: head(h.video), audio: head(h.audio) }));
    this.heads = w.heads.map((h) => h.video.out.dout);
    this.featureDims = { video: w.video.dim, audio: w.audio.dim };
  }

  /** Video features. x: [B, T, H, W, 3] (normalised as the official preprocessing does) → [B, 512]. */
  videoFeatures(x: tf.Tensor5D): tf.Tensor2D {
    return tf.tidy(() => {
      const [stemS, stemT] = this.video.stem;
      let y = temporalConv(spatialConv(x, stemS, true), stemT, true);
      for (const blocks of this.video.layers) {
        for (const b of blocks) {
          const h = temporalConv(spatialConv(y, b.c1[0], true), b.c1[1], true);
          const h2 = temporalConv(spatialConv(h, b.c2[0], true), b.c2[1], false);
          const shortcut = b.down ? spatialConv(subsampleTime(y, b.down.temporalStride), b.down, false) : y;
          y = tf.relu(tf.add(h2, shortcut)) as tf.Tensor5D;
        }
      }
      return tf.mean(y, [1, 2, 3]) as tf.Tensor2D; // AdaptiveAvgPool3d(1)
    });
  }

  /** Audio features. x: [B, F, M, 1] (log-mel filterbank, F = 257) → [B, 512]. */
  audioFeatures(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let y = conv2d(x, this.audio.stem, true);
      // PyTorch's MaxPool2d(3, 2, padding 1) pads with -inf; after a ReLU zeros pad the same.
      y = tf.maxPool(y, 3, 2, 1);
      for (const blocks of this.audio.layers) {
        for (const b of blocks) {
          const h = conv2d(conv2d(y, b.c1, true), b.c2, false);
          y = tf.relu(tf.add(h, b.down ? conv2d(y, b.down, false) : y)) as tf.Tensor4D;
        }
      }
      return tf.mean(y, [1, 2]) as tf.Tensor2D;
    });
  }

  /** Head h's logits from pooled features of one modality. */
  headLogits(h: number, modality: 'video' | 'audio', features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const head = this.headT[h][modality];
      const x = head.hidden ? tf.relu(dense(features, head.hidden)) : features;
      return dense(x as tf.Tensor2D, head.out);
    });
  }

  /** Features and every head's logits for whichever modalities are given. */
  forward(inputs: { video?: tf.Tensor5D; audio?: tf.Tensor4D }): OfficialOutput {
    const features: OfficialOutput['features'] = {};
    if (inputs.video) features.video = this.videoFeatures(inputs.video);
    if (inputs.audio) features.audio = this.audioFeatures(inputs.audio);
    const logits = this.heads.map((_, h) => ({
      video: features.video && this.headLogits(h, 'video', features.video),
      audio: features.audio && this.headLogits(h, 'audio', features.audio),
    }));
    return { features, logits };
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
    this.tensors.length = 0;
  }

  private keep<T extends tf.Tensor>(t: T): T {
    this.tensors.push(t);
    return t;
  }
}

function dense(x: tf.Tensor2D, l: LinearT): tf.Tensor2D {
  return tf.add(tf.matMul(x, l.weight), l.bias) as tf.Tensor2D;
}

/** conv2d + folded-BN bias (+ ReLU) with PyTorch's symmetric padding. */
function conv2d(x: tf.Tensor4D, c: ConvT, relu: boolean): tf.Tensor4D {
  const pad = [
    [0, 0],
    [c.pad[0], c.pad[0]],
    [c.pad[1], c.pad[1]],
    [0, 0],
  ] as tf.backend_util.ExplicitPadding;
  return tf.fused.conv2d({ x, filter: c.filter, strides: c.stride, pad, bias: c.bias, activation: relu ? 'relu' : 'linear' });
}

/** A (1,k,k) conv on every frame: [B, T, H, W, C] → [B, T, H', W', C']. */
function spatialConv(x: tf.Tensor5D, c: ConvT, relu: boolean): tf.Tensor5D {
  const [b, t, h, w, ch] = x.shape;
  const y = conv2d(tf.reshape(x, [b * t, h, w, ch]), c, relu);
  return tf.reshape(y, [b, t, y.shape[1], y.shape[2], y.shape[3]]);
}

/** A (k,1,1) conv along time: [B, T, H, W, C] → [B, T', H, W, C'] as a conv2d over [B, T, H·W, C]. */
function temporalConv(x: tf.Tensor5D, c: ConvT, relu: boolean): tf.Tensor5D {
  const [b, t, h, w, ch] = x.shape;
  const y = conv2d(tf.reshape(x, [b, t, h * w, ch]), c, relu);
  return tf.reshape(y, [b, y.shape[1], h, w, y.shape[3]]);
}

/** Every s-th frame from the first (the time part of a 1x1x1 conv of stride s). */
function subsampleTime(x: tf.Tensor5D, s: number): tf.Tensor5D {
  if (s === 1) return x;
  const [b, t, h, w, c] = x.shape;
  return tf.stridedSlice(x, [0, 0, 0, 0, 0], [b, t, h, w, c], [1, s, 1, 1, 1]) as tf.Tensor5D;
}
