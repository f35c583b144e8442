/**
 * A released SeLaVi checkpoint (`selavi_vgg_sound.pth`, `selavi_kinetics.pth`, ...): read once,
 * described (`selavi inspect`), and turned into the official network.
 */
import { readTorchCheckpoint, stateDict, type TorchCheckpoint } from '../torch/read-checkpoint.js';
import { TorchTensor } from '../torch/torch-tensor.js';
import { headSizes, officialWeights, type OfficialWeights } from './official-weights.js';

/** What `selavi inspect` prints. */
export interface ReleasedInfo {
  file: string;
  /** `zip` (PyTorch >= 1.6) or `legacy` (older torch.save), and whether the file was gzip-compressed. */
  format: 'zip' | 'legacy';
  gzip: boolean;
  /** Top-level keys of the checkpoint (the official code saves epoch, dist, model, optimizer, selflabels). */
  keys: string[];
  architecture: { video: string; audio: string; heads: 'mlp' | 'linear' };
  heads: number;
  /** K of each head. */
  k: number[];
  /** The training epoch saved with it, when there is one. */
  epoch: number | null;
  /** Float values in the state dict (weights, biases and batch-norm statistics). */
  parameters: number;
  stateDictEntries: number;
  /** Pooled feature width of each encoder. */
  featureDims: { video: number; audio: number };
}

export interface ReleasedCheckpoint {
  info: ReleasedInfo;
  weights: OfficialWeights;
  /** The raw state dict (for starting new heads from the released ones). */
  state: Map<string, TorchTensor>;
}

const RESNETS: Record<string, string> = { '1,1,1,1': 'resnet9', '2,2,2,2': 'resnet18', '3,4,6,3': 'resnet34' };

/** Reads a released checkpoint and its official weights; CheckpointError (one line) when it is not one. */
export async function readReleasedCheckpoint(file: string): Promise<ReleasedCheckpoint> {
  const ckpt = await readTorchCheckpoint(file);
  const state = stateDict(ckpt);
  const weights = officialWeights(file, state);
  return { info: describeReleased(ckpt, state, weights), weights, state };
}

function describeReleased(ckpt: TorchCheckpoint, state: Map<string, TorchTensor>, w: OfficialWeights): ReleasedInfo {
  const root = ckpt.root instanceof Map ? (ckpt.root as Map<unknown, unknown>) : undefined;
  const epoch = root?.get('epoch');
  const videoBlocks = w.video.layers.map((l) => l.length).join(',');
  const audioBlocks = w.audio.layers.map((l) => l.length).join(',');
  let parameters = 0;
  for (const t of state.values()) if (t.dtype.startsWith('float') || t.dtype === 'bfloat16') parameters += t.numel;
  return {
    file: ckpt.file,
    format: ckpt.format,
    gzip: ckpt.gzip,
    keys: root ? [...root.keys()].map(String) : [],
    architecture: {
      video: videoBlocks === '2,2,2,2' ? 'r2plus1d_18' : `r2plus1d (blocks ${videoBlocks})`,
      audio: RESNETS[audioBlocks] ?? `resnet (blocks ${audioBlocks})`,
      heads: w.heads[0].video.hidden ? 'mlp' : 'linear',
    },
    heads: w.heads.length,
    k: headSizes(w),
    epoch: typeof epoch === 'number' ? epoch : typeof epoch === 'bigint' ? Number(epoch) : null,
    parameters,
    stateDictEntries: state.size,
    featureDims: { video: w.video.dim, audio: w.audio.dim },
  };
}
