/**
 * One pass of a released SeLaVi model over a list of videos: each clip is decoded as the
 * official code does (30 frames at 112x112, 1 s of audio as a 257-bin log filterbank), batched,
 * and run through both encoders and every head. Decoding (ffmpeg, another process) of the next
 * batch overlaps the network's work on this one; at most one batch waits, so memory stays flat
 * however long the list. A clip that cannot be decoded is skipped and reported, never fatal.
 */
import * as tf from '@tensorflow/tfjs';
import type { OfficialSelaviModel } from '../models/official/official-model.js';
import { InputError, UserError } from '../errors.js';
import { throwIfWasmFailed } from '../engine/wasm-failures.js';

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

interface DecodedBatch {
  names: string[];
  frames: Float32Array;
  specs: Float32Array;
}

/** Decodes up to `size` usable clips from `files`, starting at `next.i` (advanced as it goes). */
async function decodeBatch(files: readonly string[], next: { i: number }, size: number, o: OfficialPassOptions): Promise<DecodedBatch | undefined> {
  const frameLen = o.frameShape.reduce((a, b) => a * b, 1);
  const specLen = o.specShape[0] * o.specShape[1];
  const names: string[] = [];
  const frames = new Float32Array(size * frameLen);
  const specs = new Float32Array(size * specLen);
  while (names.length < size && next.i < files.length) {
    const file = files[next.i++];
    try {
      const clip = await o.decode(file);
      frames.set(clip.frames, names.length * frameLen);
      specs.set(clip.spec, names.length * specLen);
      names.push(file);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      o.onSkip?.(file, err instanceof InputError ? err.reason : err.message);
    }
    o.onClip?.();
  }
  if (names.length === 0) return undefined;
  return { names, frames: frames.subarray(0, names.length * frameLen), specs: specs.subarray(0, names.length * specLen) };
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

/** Runs the model over `files`; returns features and logits of every clip it could decode. */
export async function officialPass(model: OfficialSelaviModel, files: readonly string[], o: OfficialPassOptions): Promise<OfficialPassResult> {
  const [t, h, w] = o.frameShape;
  const [f, m] = o.specShape;
  const next = { i: 0 };
  const names: string[] = [];
  const feats = { video: new Rows(model.featureDims.video), audio: new Rows(model.featureDims.audio) };
  const logits = model.heads.map((k) => ({ video: new Rows(k), audio: new Rows(k) }));
  let pending = decodeBatch(files, next, o.batchSize, o);
  for (;;) {
    const batch = await pending;
    if (!batch) break;
    pending = decodeBatch(files, next, o.batchSize, o); // decode the next batch while this one runs
    const b = batch.names.length;
    const out = tf.tidy(() => {
      const r = model.forward({ video: tf.tensor5d(batch.frames, [b, t, h, w, 3]), audio: tf.tensor4d(batch.specs, [b, f, m, 1]) });
      return { fv: r.features.video!, fa: r.features.audio!, heads: r.logits.map((l) => [l.video!, l.audio!] as const) };
    });
    feats.video.push(await out.fv.data<'float32'>());
    feats.audio.push(await out.fa.data<'float32'>());
    for (const [i, [lv, la]] of out.heads.entries()) {
      logits[i].video.push(await lv.data<'float32'>());
      logits[i].audio.push(await la.data<'float32'>());
    }
    tf.dispose([out.fv, out.fa, ...out.heads.flat()]);
    throwIfWasmFailed(`the released model on ${batch.names[0]}`);
    names.push(...batch.names);
  }
  return {
    names,
    features: { video: feats.video.result(), audio: feats.audio.result() },
    logits: logits.map((l) => ({ video: l.video.result(), audio: l.audio.result() })),
  };
}
