/**
 * The released SeLaVi network as the pipeline sees it, whatever runs it (onnxruntime on a CPU or a
 * GPU, or TensorFlow.js on wasm): a batch of clips in the official layouts, features and every
 * head's logits out, as plain arrays.
 */

/** A batch of `b` clips: frames [b, T, H, W, 3] and spectrograms [b, F, M], row-major. */
export interface ReleasedBatch {
  b: number;
  frames: Float32Array;
  specs: Float32Array;
  frameShape: [number, number, number, 3];
  specShape: [number, number];
}

/** What the network computed for one batch. */
export interface ReleasedBatchOutput {
  /** [b, 512] pooled features of each encoder. */
  features: { video: Float32Array; audio: Float32Array };
  /** Per head: [b, K_h] logits of each modality. */
  logits: { video: Float32Array; audio: Float32Array }[];
}

export interface ReleasedNetwork {
  /** What runs it, for logs and summaries: `onnxruntime-cpu`, `onnxruntime-webgpu`, `onnxruntime-cuda`, `tfjs-wasm` or `tfjs-wasm+onednn` (the native kernels). */
  readonly engine: string;
  /** K of each head. */
  readonly heads: number[];
  readonly featureDims: { video: number; audio: number };
  /**
   * True when `run` computes on the calling thread (TensorFlow.js): nothing else progresses
   * meanwhile, so clips decoded ahead would wait (and could reach ffmpeg's time limit) behind it.
   */
  readonly blocksEventLoop: boolean;
  /** True when the network computes on the CPU's cores (then decoding competes with it for them). */
  readonly onCpu: boolean;
  run(batch: ReleasedBatch): Promise<ReleasedBatchOutput>;
  dispose(): Promise<void>;
}

/** Splits [b, ΣK] logits (heads side by side) into one [b, K_h] array per head. */
export function splitHeads(all: Float32Array, b: number, heads: readonly number[]): Float32Array[] {
  const total = heads.reduce((s, k) => s + k, 0);
  if (all.length !== b * total) throw new Error(`splitHeads: ${all.length} values for ${b} rows of ${total}`);
  let offset = 0;
  return heads.map((k) => {
    const out = new Float32Array(b * k);
    for (let i = 0; i < b; i++) out.set(all.subarray(i * total + offset, i * total + offset + k), i * k);
    offset += k;
    return out;
  });
}
