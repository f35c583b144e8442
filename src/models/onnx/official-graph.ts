/**
 * The released SeLaVi network as an ONNX graph, built from the weights `officialWeights` read
 * from the checkpoint (batch norms already folded): R(2+1)D-18 over the clip, the ResNet over the
 * spectrogram, and every head's MLP. Convolutions are 3-D Conv nodes with (1,k,k) and (k,1,1)
 * kernels, as PyTorch runs them (or, for the CPU provider, the temporal ones as 2-D convs over a
 * free view); padding is PyTorch's explicit symmetric padding.
 *
 * Inputs are the layouts the official decode gives (no copy to reorder them in JavaScript):
 * `video` [B, T, H, W, 3] (a Transpose in the graph makes it [B, 3, T, H, W]) and `audio` [B, F, M].
 * Outputs: `video_features`, `audio_features` [B, 512] and `video_logits`, `audio_logits`
 * [B, ΣK] (every head's logits side by side, head 0 first).
 */
import type { AudioBlock, Conv2Plus1D, FoldedConv, FoldedLinear, HeadWeights, OfficialWeights, VideoBlock } from '../official/official-weights.js';
import { OnnxGraph } from './graph-builder.js';

/** Names of the graph's inputs and outputs. */
export const OFFICIAL_ONNX_IO = {
  video: 'video',
  audio: 'audio',
  videoFeatures: 'video_features',
  audioFeatures: 'audio_features',
  videoLogits: 'video_logits',
  audioLogits: 'audio_logits',
} as const;

/** How the graph is written for a provider. */
export interface OfficialGraphOptions {
  /**
   * Temporal (k,1,1) convs as 2-D convs over the [B, C, T, H·W] view (onnxruntime's CPU provider:
   * ~25% faster a clip) instead of Conv3d nodes (what other providers get: onnxruntime 1.30's WebGPU
   * provider computes the 2-D form wrongly, measured against the official fixture).
   */
  temporalAs2d?: boolean;
  producerVersion?: string;
}

/** ModelProto bytes of the whole network (both encoders and every head). */
export function officialOnnxModel(w: OfficialWeights, o: OfficialGraphOptions = {}): Uint8Array {
  const g = new OnnxGraph('selavi_official');
  const temporal = o.temporalAs2d ? temporalConv2d : temporalConv3d;
  const io = OFFICIAL_ONNX_IO;
  const video = g.input(io.video, ['batch', 'frames', 'height', 'width', 3]);
  const audio = g.input(io.audio, ['batch', 'mel', 'time']);
  const kTotal = w.heads.reduce((s, h) => s + h.video.out.dout, 0);

  const fv = videoEncoder(g, g.node('Transpose', [video], { perm: [0, 4, 1, 2, 3] }), w.video, temporal);
  const fa = audioEncoder(g, g.node('Unsqueeze', [audio, g.int64s('axis1', [1])]), w.audio);
  g.output(fv, io.videoFeatures, ['batch', w.video.dim]);
  g.output(fa, io.audioFeatures, ['batch', w.audio.dim]);
  const logits = (modality: 'video' | 'audio', features: string) => {
    const each = w.heads.map((h) => head(g, features, h[modality]));
    return each.length === 1 ? each[0] : g.node('Concat', each, { axis: 1 });
  };
  g.output(logits('video', fv), io.videoLogits, ['batch', kTotal]);
  g.output(logits('audio', fa), io.audioLogits, ['batch', kTotal]);
  return g.encode({ name: 'selavi-ts', version: o.producerVersion ?? '0' });
}

type TemporalConv = (g: OnnxGraph, x: string, c: FoldedConv) => string;

function videoEncoder(g: OnnxGraph, x: string, v: OfficialWeights['video'], temporal: TemporalConv): string {
  let y = conv2plus1d(g, x, v.stem, true, temporal);
  for (const blocks of v.layers) {
    for (const b of blocks as VideoBlock[]) {
      const h = conv2plus1d(g, conv2plus1d(g, y, b.conv1, true, temporal), b.conv2, false, temporal);
      const shortcut = b.downsample ? conv3d(g, y, b.downsample, 'pointwise', b.downsample.temporalStride) : y;
      y = g.node('Relu', [g.node('Add', [h, shortcut])]);
    }
  }
  return g.node('Flatten', [g.node('GlobalAveragePool', [y])], { axis: 1 }); // AdaptiveAvgPool3d(1)
}

function audioEncoder(g: OnnxGraph, x: string, a: OfficialWeights['audio']): string {
  let y = g.node('Relu', [conv2d(g, x, a.stem)]);
  // PyTorch's MaxPool2d(3, 2, padding 1) pads with -inf, as ONNX's MaxPool does.
  y = g.node('MaxPool', [y], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  for (const blocks of a.layers) {
    for (const b of blocks as AudioBlock[]) {
      const h = conv2d(g, g.node('Relu', [conv2d(g, y, b.conv1)]), b.conv2);
      y = g.node('Relu', [g.node('Add', [h, b.downsample ? conv2d(g, y, b.downsample) : y])]);
    }
  }
  return g.node('Flatten', [g.node('GlobalAveragePool', [y])], { axis: 1 });
}

/** A (2+1)D conv: spatial (1,k,k) conv + ReLU, then temporal (k,1,1) conv (+ ReLU when `relu`). */
function conv2plus1d(g: OnnxGraph, x: string, c: Conv2Plus1D, relu: boolean, temporal: TemporalConv): string {
  const s = g.node('Relu', [conv3d(g, x, c.spatial, 'spatial', 1)]);
  const t = temporal(g, s, c.temporal);
  return relu ? g.node('Relu', [t]) : t;
}

/** A (k,1,1) Conv3d. */
function temporalConv3d(g: OnnxGraph, x: string, c: FoldedConv): string {
  const [k0, , cin, cout] = c.filterShape;
  const weight = g.weight('tconv_w', toOihw(c), [cout, cin, k0, 1, 1]);
  const [p] = c.pad;
  return g.node('Conv', [x, weight, g.weight('tconv_b', c.bias, [cout])], { kernel_shape: [k0, 1, 1], strides: [c.stride[0], 1, 1], pads: [p, 0, 0, p, 0, 0] });
}

/** A (k,1,1) conv as a 2-D conv over the [B, C, T, H·W] view of [B, C, T, H, W] (both reshapes are free). */
function temporalConv2d(g: OnnxGraph, x: string, c: FoldedConv): string {
  const [k0, , cin, cout] = c.filterShape;
  const flat = g.node('Reshape', [x, g.int64s('shape_bct_hw', [0, 0, 0, -1])]);
  const weight = g.weight('tconv_w', toOihw(c), [cout, cin, k0, 1]);
  const y = g.node('Conv', [flat, weight, g.weight('tconv_b', c.bias, [cout])], { kernel_shape: [k0, 1], strides: [c.stride[0], 1], pads: [c.pad[0], 0, c.pad[0], 0] });
  // Back to 5-D: y's [B, C', T'] and x's [H, W].
  const shape = g.node('Concat', [g.node('Shape', [y], { end: 3 }), g.node('Shape', [x], { start: 3 })], { axis: 0 });
  return g.node('Reshape', [y, shape]);
}

/**
 * A Conv3d from a folded conv2d-layout filter [k0, k1, cin, cout]: `spatial` is (1, k0, k1) over
 * (H, W); `pointwise` is 1x1x1 with a time stride of its own.
 */
function conv3d(g: OnnxGraph, x: string, c: FoldedConv, kind: 'spatial' | 'pointwise', temporalStride: number): string {
  const [k0, k1, cin, cout] = c.filterShape;
  const kernel = [1, k0, k1];
  const weight = g.weight('conv3d_w', toOihw(c), [cout, cin, ...kernel]);
  const bias = g.weight('conv3d_b', c.bias, [cout]);
  const [p0, p1] = c.pad;
  const [s0, s1] = c.stride;
  const attrs = { kernel_shape: kernel, strides: [kind === 'pointwise' ? temporalStride : 1, s0, s1], pads: [0, p0, p1, 0, p0, p1] };
  return g.node('Conv', [x, weight, bias], attrs);
}

function conv2d(g: OnnxGraph, x: string, c: FoldedConv): string {
  const [k0, k1, cin, cout] = c.filterShape;
  const weight = g.weight('conv2d_w', toOihw(c), [cout, cin, k0, k1]);
  const bias = g.weight('conv2d_b', c.bias, [cout]);
  const [p0, p1] = c.pad;
  return g.node('Conv', [x, weight, bias], { kernel_shape: [k0, k1], strides: c.stride, pads: [p0, p1, p0, p1] });
}

/** [k0, k1, cin, cout] → [cout, cin, k0, k1] (ONNX's and PyTorch's weight layout). */
function toOihw(c: FoldedConv): Float32Array {
  const [k0, k1, cin, cout] = c.filterShape;
  const taps = k0 * k1;
  const out = new Float32Array(c.filter.length);
  for (let k = 0; k < taps; k++) {
    for (let i = 0; i < cin; i++) {
      const src = (k * cin + i) * cout;
      for (let o = 0; o < cout; o++) out[(o * cin + i) * taps + k] = c.filter[src + o];
    }
  }
  return out;
}

/** A head: Linear (+ folded BN) → ReLU → Linear, or one Linear. */
function head(g: OnnxGraph, features: string, h: HeadWeights): string {
  const x = h.hidden ? g.node('Relu', [linear(g, features, h.hidden)]) : features;
  return linear(g, x, h.out);
}

function linear(g: OnnxGraph, x: string, l: FoldedLinear): string {
  return g.node('Gemm', [x, g.weight('linear_w', l.weight, [l.din, l.dout]), g.weight('linear_b', l.bias, [l.dout])]);
}
