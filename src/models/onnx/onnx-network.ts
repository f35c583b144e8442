/**
 * The released network on onnxruntime-node: the graph built in memory from the checkpoint
 * (official-graph.ts) and handed to `InferenceSession.create` as bytes, nothing written to disk.
 * The session lives in a worker thread (onnx-worker-source.ts): its `run` is synchronous, and on
 * the main thread it would stall the decoding of the next clips (ffmpeg's pipes fill and wait).
 */
import { createRequire } from 'node:module';
import { UserError } from '../../errors.js';
import { Worker } from 'node:worker_threads';
import { headSizes, type OfficialWeights } from '../official/official-weights.js';
import { splitHeads, type ReleasedBatch, type ReleasedBatchOutput, type ReleasedNetwork } from '../official/released-network.js';
import { OFFICIAL_ONNX_IO, officialOnnxModel } from './official-graph.js';
import { ONNX_WORKER_SOURCE } from './onnx-worker-source.js';

/** onnxruntime's execution providers this project uses. */
export type OnnxProvider = 'cpu' | 'webgpu' | 'cuda';

export interface OnnxNetworkOptions {
  provider: OnnxProvider;
  /** Intra-op threads of the CPU provider (default: onnxruntime's, one per core). */
  threads?: number;
  /**
   * Whether idle intra-op threads spin (onnxruntime's default) or sleep (ours: the main thread
   * decodes on the same cores; whole pass 0.69-0.71 clips/s sleeping vs 0.64-0.65 spinning, 2 cores).
   */
  spin?: boolean;
  /** onnxruntime-node's entry file (default: resolved from this package). */
  ortPath?: string;
  /** Temporal convs as 2-D convs (official-graph.ts); default: for the CPU provider only. */
  temporalAs2d?: boolean;
}

interface Pending {
  resolve: (outputs: Record<string, Float32Array>) => void;
  reject: (err: Error) => void;
}

export class OnnxReleasedNetwork implements ReleasedNetwork {
  readonly engine: string;
  readonly heads: number[];
  readonly featureDims: { video: number; audio: number };
  readonly blocksEventLoop = false;
  readonly onCpu: boolean;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private dead?: Error;

  private constructor(
    private readonly worker: Worker,
    weights: OfficialWeights,
    provider: OnnxProvider,
  ) {
    this.engine = `onnxruntime-${provider}`;
    this.onCpu = provider === 'cpu';
    this.heads = headSizes(weights);
    this.featureDims = { video: weights.video.dim, audio: weights.audio.dim };
    worker.on('message', (m: { op: string; id?: number; outputs?: Record<string, Float32Array>; message?: string }) => {
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.op === 'out') p.resolve(m.outputs!);
      // The session loaded, so a failure here is the machine's (memory, a driver), not a bug: one line.
      else p.reject(new UserError(`${this.engine} failed on a batch: ${m.message?.split('\n')[0]}; try a smaller --batch-size, or --device cpu`));
    });
    const die = (err: Error) => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`onnxruntime's thread exited (code ${code})`)));
  }

  /** Builds the graph and a session on `provider`; throws what onnxruntime says when it cannot. */
  static async create(weights: OfficialWeights, o: OnnxNetworkOptions): Promise<OnnxReleasedNetwork> {
    const ortPath = o.ortPath ?? createRequire(import.meta.url).resolve('onnxruntime-node');
    const model = officialOnnxModel(weights, { temporalAs2d: o.temporalAs2d ?? o.provider === 'cpu' });
    const worker = new Worker(ONNX_WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    const listeners: { message?: (m: { op: string; message?: string }) => void; error?: (e: Error) => void; exit?: (code: number) => void } = {};
    try {
      await new Promise<void>((resolve, reject) => {
        listeners.message = (m) => {
          if (m.op === 'ready') resolve();
          else if (m.op === 'error') reject(new Error(m.message));
        };
        listeners.error = reject;
        listeners.exit = (code) => reject(new Error(`onnxruntime's thread exited (code ${code}) while loading`));
        worker.on('message', listeners.message).on('error', listeners.error).on('exit', listeners.exit);
        // The model's buffer moves to the thread (no copy of its ~150 MB).
        worker.postMessage({ op: 'create', model: model.buffer, provider: o.provider, threads: o.threads, spin: o.spin ?? false }, [model.buffer as ArrayBuffer]);
      });
    } catch (err) {
      await worker.terminate();
      throw err;
    } finally {
      // Only ours: removeAllListeners() would also drop the worker's own, and its messages with them.
      worker.off('message', listeners.message!).off('error', listeners.error!).off('exit', listeners.exit!);
    }
    return new OnnxReleasedNetwork(worker, weights, o.provider);
  }

  async run(batch: ReleasedBatch): Promise<ReleasedBatchOutput> {
    if (this.dead) throw this.dead;
    const { b } = batch;
    const io = OFFICIAL_ONNX_IO;
    const id = this.nextId++;
    const outputs = await new Promise<Record<string, Float32Array>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const feeds = { [io.video]: [batch.frames, [b, ...batch.frameShape]], [io.audio]: [batch.specs, [b, ...batch.specShape]] };
      this.worker.postMessage({ op: 'run', id, feeds });
    });
    const video = splitHeads(outputs[io.videoLogits], b, this.heads);
    const audio = splitHeads(outputs[io.audioLogits], b, this.heads);
    return {
      features: { video: outputs[io.videoFeatures], audio: outputs[io.audioFeatures] },
      logits: video.map((v, h) => ({ video: v, audio: audio[h] })),
    };
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}
