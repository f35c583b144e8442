/**
 * One pass of a released SeLaVi model over a list of videos: each clip is decoded as the
 * official code does (30 frames at 112x112, 1 s of audio as a 257-bin log filterbank), batched,
 * and run through both encoders and every head. Decoding overlaps the network: up to `decodeJobs`
 * clips decode at once (each an ffmpeg process plus its preprocessing) into a bounded queue, in
 * file order, while the network (onnxruntime on its own thread) works on the batch before; at most
 * two batches (or one clip per decode job, if more) wait, so memory stays flat however long the list. A clip that cannot be
 * decoded is skipped and reported, never fatal.
 */
import { availableParallelism } from 'node:os';
import { InputError, UserError } from '../errors.js';
import type { ReleasedNetwork } from '../models/official/released-network.js';

/** One clip as the official preprocessing gives it: frames [T, H, W, 3], spectrogram [F, M]. */
export interface OfficialClipTensors {
  frames: Float32Array;
  spec: Float32Array;
}

export interface OfficialPassOptions {
  /** Decodes one file (throws a UserError for a file it cannot use). */
  decode: (file: string) => Promise<OfficialClipTensors>;
  /** Clip shapes: frames [T, H, W, 3] and spectrogram [F, M]. */
  frameShape: [number, number, number, 3];
  specShape: [number, number];
  /** Clips per forward pass. */
  batchSize: number;
  /**
   * Clips decoded at once. Default: 1 beside a network on the CPU (it needs every core; a second
   * decode slowed the whole pass, 0.67 vs 0.73 clips/s on 2 cores), one per core beside a GPU.
   */
  decodeJobs?: number;
  /** Called with each skipped file and why. */
  onSkip?: (file: string, reason: string) => void;
  /** Called after each clip (decoded or skipped), for progress. */
  onClip?: () => void;
}

/** What the pass computed for the clips it could decode, in the order of `names`. */
export interface OfficialPassResult {
  names: string[];
  /** [N, 512] pooled features of each encoder. */
  features: { video: Float32Array; audio: Float32Array };
  /** Per head: [N, K_h] logits of each modality. */
  logits: { video: Float32Array; audio: Float32Array }[];
}

type Decoded = { file: string; ok: true; clip: OfficialClipTensors } | { file: string; ok: false; error: unknown };

/** Thrown into decodes that had not started when the pass stopped. */
class PassStopped extends Error {}

/** Runs `task`s with at most `n` at once; once `stopped()` is true, tasks not yet started are dropped. */
function limiter(n: number, stopped: () => boolean): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    if (stopped()) {
      waiting.shift()?.();
      throw new PassStopped();
    }
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/**
 * Decoded clips in the order of `files`, with at most `jobs` decoding at once and at most `ahead`
 * started before the consumer takes them (the queue's bound: back-pressure on the decoders). When
 * the consumer stops early, queued decodes that have not started are dropped.
 */
export async function* decodeInOrder(files: readonly string[], decode: (file: string) => Promise<OfficialClipTensors>, jobs: number, ahead: number): AsyncGenerator<Decoded> {
  let stopped = false;
  const limit = limiter(jobs, () => stopped);
  const queue: Promise<Decoded>[] = [];
  let next = 0;
  const fill = () => {
    while (queue.length < ahead && next < files.length) {
      const file = files[next++];
      queue.push(limit(() => decode(file)).then((clip): Decoded => ({ file, ok: true, clip }), (error: unknown): Decoded => ({ file, ok: false, error })));
    }
  };
  fill();
  try {
    while (queue.length > 0) {
      const item = await queue.shift()!;
      fill();
      yield item;
    }
  } finally {
    // The consumer stopped (done, or failed): decodes still waiting for a slot never start.
    stopped = true;
  }
}

/** Growable float32 rows. */
class Rows {
  private data: Float32Array;
  private n = 0;
  constructor(private readonly width: number) {
    this.data = new Float32Array(width * 64);
  }
  push(rows: Float32Array): void {
    const need = this.n * this.width + rows.length;
    if (need > this.data.length) {
      const grown = new Float32Array(Math.max(need, this.data.length * 2));
      grown.set(this.data.subarray(0, this.n * this.width));
      this.data = grown;
    }
    this.data.set(rows, this.n * this.width);
    this.n += rows.length / this.width;
  }
  result(): Float32Array {
    return this.data.slice(0, this.n * this.width);
  }
}

/** Runs the network over `files`; returns features and logits of every clip it could decode. */
export async function officialPass(network: ReleasedNetwork, files: readonly string[], o: OfficialPassOptions): Promise<OfficialPassResult> {
  const frameLen = o.frameShape.reduce((a, b) => a * b, 1);
  const specLen = o.specShape[0] * o.specShape[1];
  const names: string[] = [];
  const feats = { video: new Rows(network.featureDims.video), audio: new Rows(network.featureDims.audio) };
  const logits = network.heads.map((k) => ({ video: new Rows(k), audio: new Rows(k) }));
  // A network that blocks this thread gets one clip decoded ahead, as its ffmpeg child can work
  // alone meanwhile; more would wait behind the network and could reach ffmpeg's time limit.
  const jobs = network.blocksEventLoop ? 1 : Math.max(1, o.decodeJobs ?? (network.onCpu ? 1 : availableParallelism()));
  const ahead = network.blocksEventLoop ? 1 : Math.max(jobs, 2 * o.batchSize);

  let batch: { names: string[]; frames: Float32Array; specs: Float32Array } | undefined;
  const runBatch = async () => {
    if (!batch || batch.names.length === 0) return;
    const b = batch.names.length;
    const out = await network.run({ b, frames: batch.frames.subarray(0, b * frameLen), specs: batch.specs.subarray(0, b * specLen), frameShape: o.frameShape, specShape: o.specShape });
    feats.video.push(out.features.video);
    feats.audio.push(out.features.audio);
    for (const [h, l] of out.logits.entries()) {
      logits[h].video.push(l.video);
      logits[h].audio.push(l.audio);
    }
    names.push(...batch.names);
    batch = undefined;
  };
  for await (const item of decodeInOrder(files, o.decode, jobs, ahead)) {
    if (!item.ok) {
      if (!(item.error instanceof UserError)) throw item.error;
      o.onSkip?.(item.file, item.error instanceof InputError ? item.error.reason : item.error.message);
    } else {
      batch ??= { names: [], frames: new Float32Array(o.batchSize * frameLen), specs: new Float32Array(o.batchSize * specLen) };
      batch.frames.set(item.clip.frames, batch.names.length * frameLen);
      batch.specs.set(item.clip.spec, batch.names.length * specLen);
      batch.names.push(item.file);
    }
    o.onClip?.();
    if (batch && batch.names.length === o.batchSize) await runBatch();
  }
  await runBatch();
  return {
    names,
    features: { video: feats.video.result(), audio: feats.audio.result() },
    logits: logits.map((l) => ({ video: l.video.result(), audio: l.audio.result() })),
  };
}
