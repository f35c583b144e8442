/**
 * The released SeLaVi models' weights, read from a PyTorch state dict into the plan of the
 * official architecture (facebookresearch/selavi `AVModel`):
 * - video: torchvision `r2plus1d_18` without `fc`: a (2+1)D stem, then 4 layers of BasicBlocks
 *   whose convolutions are a (1,3,3) spatial conv, BN, ReLU, a (3,1,1) temporal conv;
 * - audio: a ResNet of BasicBlocks ("resnet9": one block a layer) over a 1-channel spectrogram;
 * - heads `mlp_v{h}` / `mlp_a{h}`: Linear 512→512 (no bias), BatchNorm1d, ReLU, Linear 512→K
 *   (or a plain Linear per head, or one unnumbered head when the model was trained with one).
 *
 * Evaluation-mode batch norm is an affine map per channel, so each BN is folded into the
 * convolution or linear layer before it: y = W'x + b' with W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε).
 * Everything is derived from the state dict's keys and shapes (block counts, widths, head count,
 * K), so any checkpoint of this family loads, and anything missing is named.
 */
import { CheckpointError } from '../../errors.js';

/** The part of a checkpoint tensor this module needs (the PyTorch reader's TorchTensor has it). */
export interface WeightTensor {
  shape: number[];
  toFloat32(): Float32Array;
}

/** A convolution with its batch norm folded in, laid out for TensorFlow.js conv2d (NHWC). */
export interface FoldedConv {
  /** [kh, kw, cin, cout]; a temporal (kt,1,1) conv is [kt, 1, cin, cout] over a [B, T, H·W, C] view. */
  filter: Float32Array;
  filterShape: [number, number, number, number];
  bias: Float32Array;
  /** Strides and symmetric padding along the two convolved axes, as PyTorch declares them. */
  stride: [number, number];
  pad: [number, number];
}

/** Linear layer as [din, dout] for x·W, with bias (a folded BN gives one). */
export interface FoldedLinear {
  weight: Float32Array;
  din: number;
  dout: number;
  bias: Float32Array;
}

/** A (2+1)D conv of r2plus1d: spatial conv (+BN+ReLU), then temporal conv (+ the BN after it). */
export interface Conv2Plus1D {
  spatial: FoldedConv;
  temporal: FoldedConv;
}

export interface VideoBlock {
  conv1: Conv2Plus1D;
  conv2: Conv2Plus1D;
  /** 1x1x1 conv (+BN) with stride s in time and space, when the block changes shape. */
  downsample?: FoldedConv & { temporalStride: number };
}

export interface AudioBlock {
  conv1: FoldedConv;
  conv2: FoldedConv;
  downsample?: FoldedConv;
}

/** One head of one modality: MLP (hidden + out) or a plain linear layer (out only). */
export interface HeadWeights {
  hidden?: FoldedLinear;
  out: FoldedLinear;
}

export interface OfficialWeights {
  video: { stem: Conv2Plus1D; layers: VideoBlock[][]; dim: number };
  audio: { stem: FoldedConv; layers: AudioBlock[][]; dim: number };
  /** heads[h] = { video, audio }; K = heads[h].video.out.dout. */
  heads: { video: HeadWeights; audio: HeadWeights }[];
}

const BN_EPS = 1e-5;

/** Reads the state dict (keys with or without the `module.` prefix of DataParallel). */
export function officialWeights(file: string, stateDict: ReadonlyMap<string, WeightTensor>): OfficialWeights {
  const dict = new Map<string, WeightTensor>();
  for (const [k, v] of stateDict) dict.set(k.startsWith('module.') ? k.slice('module.'.length) : k, v);
  const get = (key: string): WeightTensor => {
    const t = dict.get(key);
    if (!t) throw new CheckpointError(file, `not a SeLaVi checkpoint of the official architecture: no '${key}' in its state dict`);
    return t;
  };
  const has = (key: string) => dict.has(key);
  const bn = (prefix: string) => foldFactors(file, prefix, get);

  // ---- video: r2plus1d_18 ----
  const v = 'video_network.base.';
  const stem: Conv2Plus1D = {
    spatial: conv3d(file, `${v}stem.0.weight`, get(`${v}stem.0.weight`), bn(`${v}stem.1`), 'spatial', 2, 3),
    temporal: conv3d(file, `${v}stem.3.weight`, get(`${v}stem.3.weight`), bn(`${v}stem.4`), 'temporal', 1, 1),
  };
  const videoLayers: VideoBlock[][] = [];
  for (let l = 1; has(`${v}layer${l}.0.conv1.0.0.weight`); l++) {
    const blocks: VideoBlock[] = [];
    for (let b = 0; has(`${v}layer${l}.${b}.conv1.0.0.weight`); b++) {
      const p = `${v}layer${l}.${b}.`;
      const stride = l > 1 && b === 0 ? 2 : 1;
      const two = (c: string, s: number): Conv2Plus1D => ({
        spatial: conv3d(file, `${p}${c}.0.0.weight`, get(`${p}${c}.0.0.weight`), bn(`${p}${c}.0.1`), 'spatial', s, 1),
        temporal: conv3d(file, `${p}${c}.0.3.weight`, get(`${p}${c}.0.3.weight`), bn(`${p}${c}.1`), 'temporal', s, 1),
      });
      const block: VideoBlock = { conv1: two('conv1', stride), conv2: two('conv2', 1) };
      if (has(`${p}downsample.0.weight`)) {
        const d = conv3d(file, `${p}downsample.0.weight`, get(`${p}downsample.0.weight`), bn(`${p}downsample.1`), 'spatial', stride, 0);
        block.downsample = { ...d, temporalStride: stride };
      }
      blocks.push(block);
    }
    videoLayers.push(blocks);
  }
  if (videoLayers.length === 0) throw new CheckpointError(file, `not a SeLaVi checkpoint of the official architecture: no '${v}layer1.0.conv1.0.0.weight'`);

  // ---- audio: ResNet of BasicBlocks, 1-channel stem ----
  const a = 'audio_network.base.';
  const audioStem = conv2d(file, `${a}conv1.weight`, get(`${a}conv1.weight`), bn(`${a}bn1`), 2, 3);
  const audioLayers: AudioBlock[][] = [];
  for (let l = 1; has(`${a}layer${l}.0.conv1.weight`); l++) {
    const blocks: AudioBlock[] = [];
    for (let b = 0; has(`${a}layer${l}.${b}.conv1.weight`); b++) {
      const p = `${a}layer${l}.${b}.`;
      const stride = l > 1 && b === 0 ? 2 : 1;
      const block: AudioBlock = {
        conv1: conv2d(file, `${p}conv1.weight`, get(`${p}conv1.weight`), bn(`${p}bn1`), stride, 1),
        conv2: conv2d(file, `${p}conv2.weight`, get(`${p}conv2.weight`), bn(`${p}bn2`), 1, 1),
      };
      if (has(`${p}downsample.0.weight`)) block.downsample = conv2d(file, `${p}downsample.0.weight`, get(`${p}downsample.0.weight`), bn(`${p}downsample.1`), stride, 0);
      blocks.push(block);
    }
    audioLayers.push(blocks);
  }
  if (audioLayers.length === 0) throw new CheckpointError(file, `not a SeLaVi checkpoint of the official architecture: no '${a}layer1.0.conv1.weight'`);

  const videoDim = lastChannels(videoLayers.at(-1)!.at(-1)!.conv2.temporal);
  const audioDim = lastChannels(audioLayers.at(-1)!.at(-1)!.conv2);

  // ---- heads: mlp_v0.. / mlp_a0.., or a single unnumbered mlp_v / mlp_a ----
  const headNames: string[] = [];
  for (let h = 0; has(`mlp_v${h}.block_forward.2.weight`) || has(`mlp_v${h}.weight`); h++) headNames.push(String(h));
  if (headNames.length === 0 && (has('mlp_v.block_forward.2.weight') || has('mlp_v.weight'))) headNames.push('');
  if (headNames.length === 0) throw new CheckpointError(file, 'not a SeLaVi checkpoint of the official architecture: no head (mlp_v0 or mlp_v) in its state dict');
  const head = (name: string): HeadWeights => {
    if (has(`${name}.block_forward.2.weight`)) {
      const p = `${name}.block_forward.`;
      return { hidden: linear(file, get(`${p}2.weight`), undefined, bn(`${p}4`)), out: linear(file, get(`${p}8.weight`), get(`${p}8.bias`)) };
    }
    return { out: linear(file, get(`${name}.weight`), get(`${name}.bias`)) };
  };
  const heads = headNames.map((h) => ({ video: head(`mlp_v${h}`), audio: head(`mlp_a${h}`) }));
  for (const [i, h] of heads.entries()) {
    const din = { video: (h.video.hidden ?? h.video.out).din, audio: (h.audio.hidden ?? h.audio.out).din };
    if (din.video !== videoDim || din.audio !== audioDim) {
      throw new CheckpointError(file, `head ${i} takes ${din.video}/${din.audio} features but the encoders give ${videoDim}/${audioDim}`);
    }
    if (h.video.out.dout !== h.audio.out.dout) throw new CheckpointError(file, `head ${i}: video has ${h.video.out.dout} clusters, audio ${h.audio.out.dout}`);
  }
  return { video: { stem, layers: videoLayers, dim: videoDim }, audio: { stem: audioStem, layers: audioLayers, dim: audioDim }, heads };
}

/** K of each head. */
export function headSizes(w: OfficialWeights): number[] {
  return w.heads.map((h) => h.video.out.dout);
}

function lastChannels(c: FoldedConv): number {
  return c.filterShape[3];
}

/** Per-channel scale γ/√(σ²+ε) and shift β − μ·scale of an eval-mode batch norm. */
interface BnFold {
  scale: Float32Array;
  shift: Float32Array;
}

function foldFactors(file: string, prefix: string, get: (key: string) => WeightTensor): BnFold {
  const gamma = get(`${prefix}.weight`).toFloat32();
  const beta = get(`${prefix}.bias`).toFloat32();
  const mean = get(`${prefix}.running_mean`).toFloat32();
  const variance = get(`${prefix}.running_var`).toFloat32();
  const c = gamma.length;
  if (beta.length !== c || mean.length !== c || variance.length !== c) throw new CheckpointError(file, `${prefix}: batch-norm tensors of different lengths`);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = gamma[i] / Math.sqrt(variance[i] + BN_EPS);
    scale[i] = s;
    shift[i] = beta[i] - mean[i] * s;
  }
  return { scale, shift };
}

function checkChannels(file: string, key: string, cout: number, fold: BnFold): void {
  if (fold.scale.length !== cout) throw new CheckpointError(file, `${key}: ${cout} output channels but its batch norm has ${fold.scale.length}`);
}

/**
 * A PyTorch Conv3d weight [cout, cin, kt, kh, kw] of r2plus1d as a conv2d filter: `spatial`
 * (kt = 1) → [kh, kw, cin, cout] over frames; `temporal` (kh = kw = 1) → [kt, 1, cin, cout]
 * over [B, T, H·W, C]. `pad` is PyTorch's padding along the convolved axes.
 */
function conv3d(file: string, key: string, t: WeightTensor, fold: BnFold, kind: 'spatial' | 'temporal', stride: number, pad: number): FoldedConv {
  if (t.shape.length !== 5) throw new CheckpointError(file, `${key}: expected a 5-D Conv3d weight, got shape [${t.shape.join(', ')}]`);
  const [cout, cin, kt, kh, kw] = t.shape;
  if (kind === 'spatial' && kt !== 1) throw new CheckpointError(file, `${key}: expected a (1, k, k) spatial kernel, got [${t.shape.join(', ')}]`);
  if (kind === 'temporal' && (kh !== 1 || kw !== 1)) throw new CheckpointError(file, `${key}: expected a (k, 1, 1) temporal kernel, got [${t.shape.join(', ')}]`);
  checkChannels(file, key, cout, fold);
  const [k0, k1] = kind === 'spatial' ? [kh, kw] : [kt, 1];
  // The kernel of a stem or block conv is odd and PyTorch pads it by k//2 (0 for 1x1x1).
  const pads: [number, number] = kind === 'spatial' ? [pad, pad] : [Math.floor(kt / 2), 0];
  const strides: [number, number] = kind === 'spatial' ? [stride, stride] : [stride, 1];
  return foldKernel(t.toFloat32(), cout, cin, k0, k1, fold, strides, pads);
}

/** A PyTorch Conv2d weight [cout, cin, kh, kw] as a conv2d filter [kh, kw, cin, cout]. */
function conv2d(file: string, key: string, t: WeightTensor, fold: BnFold, stride: number, pad: number): FoldedConv {
  if (t.shape.length !== 4) throw new CheckpointError(file, `${key}: expected a 4-D Conv2d weight, got shape [${t.shape.join(', ')}]`);
  const [cout, cin, kh, kw] = t.shape;
  checkChannels(file, key, cout, fold);
  return foldKernel(t.toFloat32(), cout, cin, kh, kw, fold, [stride, stride], [pad, pad]);
}

/** [cout, cin, k0, k1] (row-major; kt·kh·kw collapsed to k0·k1) → [k0, k1, cin, cout], scaled per cout. */
function foldKernel(w: Float32Array, cout: number, cin: number, k0: number, k1: number, fold: BnFold, stride: [number, number], pad: [number, number]): FoldedConv {
  const filter = new Float32Array(w.length);
  const taps = k0 * k1;
  for (let o = 0; o < cout; o++) {
    const s = fold.scale[o];
    for (let i = 0; i < cin; i++) {
      const src = (o * cin + i) * taps;
      for (let k = 0; k < taps; k++) filter[(k * cin + i) * cout + o] = w[src + k] * s;
    }
  }
  return { filter, filterShape: [k0, k1, cin, cout], bias: Float32Array.from(fold.shift), stride, pad };
}

/** A PyTorch Linear weight [dout, din] as [din, dout], with its bias and/or a following BN folded in. */
function linear(file: string, weight: WeightTensor, bias?: WeightTensor, fold?: BnFold): FoldedLinear {
  if (weight.shape.length !== 2) throw new CheckpointError(file, `a Linear weight of shape [${weight.shape.join(', ')}]`);
  const [dout, din] = weight.shape;
  const w = weight.toFloat32();
  const b = bias ? bias.toFloat32() : new Float32Array(dout);
  const out = new Float32Array(din * dout);
  const outBias = new Float32Array(dout);
  for (let o = 0; o < dout; o++) {
    const s = fold ? fold.scale[o] : 1;
    for (let i = 0; i < din; i++) out[i * dout + o] = w[o * din + i] * s;
    outBias[o] = fold ? b[o] * s + fold.shift[o] : b[o];
  }
  return { weight: out, din, dout, bias: outBias };
}
