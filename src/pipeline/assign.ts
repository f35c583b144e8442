/**
 * `selavi assign`: label new videos with a trained run, without retraining. Each clip goes to
 * the argmax of the chosen head's combined log-probabilities (video + audio summed, as in
 * training). The clips are decoded with the run's own clip settings (RUN/clips.json, or RUN/cache).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { buildCache } from '../data/cache.js';
import { openCache } from '../data/cache-reader.js';
import { initBackend } from '../engine/backend.js';
import { SelaviModel, type ModelConfig, type Modality } from '../models/selavi-model.js';
import { combineLogProbs } from '../sinkhorn/combine.js';
import { argmaxRows } from '../util/argmax-rows.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { csvField } from '../util/csv-field.js';
import { createRng } from '../util/rng.js';
import { passProgress } from '../report/progress.js';
import { reportAfterRun, type RunReportHook } from '../report/write-report.js';
import { readModel } from '../train/checkpoint.js';
import { scorePass } from '../train/selavi.js';
import { clipCacheTrainSet, type TrainSet } from '../train/train-set.js';
import { runClipOptions } from './run-cache.js';
import { sayOnStderr } from '../util/say.js';

export interface AssignJob extends Pick<RunReportHook, 'progress' | 'report'> {
  run: string;
  videos: string;
  out: string;
  backend?: string;
  say?: (line: string) => void;
}

/** A trained run's model (read with readModel), built and loaded, and the head that answers. Caller disposes. */
export function buildRunModel(run: string, saved: ReturnType<typeof readModel>): { model: SelaviModel; head: number } {
  const { json, data } = saved;
  const model = new SelaviModel(json.model as ModelConfig, createRng(0));
  model.build(json.shapes as Partial<Record<Modality, number[]>>);
  model.params.load(json.params, data, path.join(run, 'model'));
  return { model, head: Number(json.head ?? 0) };
}

/**
 * Labels `set` with a trained model: each item goes to the argmax of head `head`'s log-probabilities
 * summed over modalities, with the renormalised probability of that cluster as its confidence;
 * written to `out` as `path,cluster,confidence`.
 */
export async function writeRunAssignment(model: SelaviModel, set: TrainSet, head: number, out: string, onBatch?: (done: number, total: number) => void): Promise<void> {
  const { perMod, present, ks } = await scorePass(model, set, 32, createRng(0), false, onBatch);
  const k = ks[head];
  const fused = combineLogProbs(present.map((m) => perMod[m]![head]), set.n, k);
  const conf = combineLogProbs([fused], set.n, k); // log p(cluster | all modalities)
  const clusters = argmaxRows(fused, set.n, k);
  const lines = set.names.map((name, i) => `${csvField(name)},${clusters[i]},${Math.exp(conf[i * k + clusters[i]]).toFixed(4)}`);
  writeFileAtomic(out, `path,cluster,confidence\n${lines.join('\n')}\n`);
}

export async function runAssign(job: AssignJob): Promise<{ out: string; clips: number; skipped: number; head: number }> {
  const say = job.say ?? sayOnStderr;
  const saved = readModel(job.run);
  const decodeOptions = await runClipOptions(job.run);
  await initBackend({ backend: job.backend, log: job.say });
  const { model, head } = buildRunModel(job.run, saved);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'selavi-assign-'));
  try {
    const summary = await buildCache({ ...decodeOptions, videos: job.videos, out: tmp, progress: job.progress, say });
    for (const s of summary.skipped) say(`skipped ${s.path}: ${s.reason}`);
    const cache = await openCache(tmp);
    try {
      if (cache.size === 0) throw new InputError(job.videos, 'no usable clip to assign');
      const set = clipCacheTrainSet(cache, model.config.modalities);
      await writeRunAssignment(model, set, head, job.out, passProgress('assign', job.progress));
      await reportAfterRun(job.out, { ...job, items: { kind: 'videos', path: job.videos } });
      return { out: job.out, clips: set.n, skipped: summary.skipped.length, head };
    } finally {
      cache.close();
    }
  } finally {
    model.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}
