/** The released network on TensorFlow.js (the wasm fallback when onnxruntime cannot load). */
import * as tf from '@tensorflow/tfjs';
import { throwIfKernelFailed } from '../../engine/kernel-failures.js';
import { OfficialSelaviModel } from './official-model.js';
import type { OfficialWeights } from './official-weights.js';
import type { ReleasedBatch, ReleasedBatchOutput, ReleasedNetwork } from './released-network.js';

export class TfjsReleasedNetwork implements ReleasedNetwork {
  readonly engine: string;
  readonly heads: number[];
  readonly featureDims: { video: number; audio: number };
  readonly blocksEventLoop = true;
  readonly onCpu = true; // wasm here; with a native GPU backend it still blocks this thread, which sets the decode to one clip anyway
  private readonly model: OfficialSelaviModel;

  /** `backend`: the TensorFlow.js backend already initialised (initBackend). */
  constructor(weights: OfficialWeights, backend: string) {
    this.model = new OfficialSelaviModel(weights);
    this.engine = `tfjs-${backend}`;
    this.heads = this.model.heads;
    this.featureDims = this.model.featureDims;
  }

  async run(batch: ReleasedBatch): Promise<ReleasedBatchOutput> {
    const { b } = batch;
    const out = tf.tidy(() => {
      const r = this.model.forward({ video: tf.tensor5d(batch.frames, [b, ...batch.frameShape]), audio: tf.tensor4d(batch.specs, [b, ...batch.specShape, 1]) });
      return { fv: r.features.video!, fa: r.features.audio!, heads: r.logits.map((l) => [l.video!, l.audio!] as const) };
    });
    try {
      const result: ReleasedBatchOutput = {
        features: { video: await out.fv.data<'float32'>(), audio: await out.fa.data<'float32'>() },
        logits: await Promise.all(out.heads.map(async ([v, a]) => ({ video: await v.data<'float32'>(), audio: await a.data<'float32'>() }))),
      };
      throwIfKernelFailed('the released model');
      return result;
    } finally {
      tf.dispose([out.fv, out.fa, ...out.heads.flat()]);
    }
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}
