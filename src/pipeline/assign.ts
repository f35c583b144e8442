/**
 * `selavi assign`: label new videos with a trained run, without retraining. Each clip gets the
 * run's answer: its heads' combined log-probabilities (video + audio summed, as in training),
 * matched and summed as the run saved them (head-ensemble.ts; a run saved before that: the chosen
 * head alone), and their argmax. The clips are decoded with the run's own clip settings
 * (RUN/clips.json, or RUN/cache).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointError, InputError } from '../errors.js';
import { buildCache } from '../data/cache.js';
import { openCache } from '../data/cache-reader.js';
import { initBackend } from '../engine/backend.js';
import { SelaviModel, type ModelConfig, type Modality } from '../models/selavi-model.js';
import { combineLogProbs } from '../sinkhorn/combine.js';
import { ensembleAnswer, singleHeadEnsemble, type HeadEnsemble } from '../train/head-ensemble.js';
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

/** A trained run's model (read with readModel), built and loaded, the head that answers and the heads it sums. Caller disposes. */
export function buildRunModel(run: string, saved: ReturnType<typeof readModel>): { model: SelaviModel; head: number; ensemble: HeadEnsemble } {
  const { json, data } = saved;
  const config = json.model as ModelConfig;
  const head = Number(json.head ?? 0);
  const folder = path.join(run, 'model');
  if (!Array.isArray(config?.heads) || !config.heads.every((k) => Number.isInteger(k) && k >= 2)) throw new CheckpointError(folder, "model.json's model lists no heads of 2 or more clusters");
  if (!Number.isInteger(head) || head < 0 || head >= config.heads.length) throw new CheckpointError(folder, `model.json's head ${String(json.head)} is not one of its ${config.heads.length} heads`);
  const ensemble = savedEnsemble(folder, json.answer, head, config.heads);
  const model = new SelaviModel(config, createRng(0));
  model.build(json.shapes as Partial<Record<Modality, number[]>>);
  model.params.load(json.params, data, path.join(run, 'model'));
  return { model, head, ensemble };
}

/** model.json's `answer`, checked against the model's heads; a model saved before it answers with `head` alone. */
function savedEnsemble(folder: string, answer: unknown, head: number, heads: readonly number[]): HeadEnsemble {
  const k = heads[head];
  if (answer === undefined) return singleHeadEnsemble(head, k);
  const a = (answer ?? {}) as Partial<HeadEnsemble>;
  const isPermutation = (p: unknown) => Array.isArray(p) && p.length === k && new Set(p).size === k && p.every((j) => Number.isInteger(j) && j >= 0 && j < k);
  const ok =
    Array.isArray(a.heads) && Array.isArray(a.permutations) && a.heads.length > 0 && a.heads.length === a.permutations.length &&
    a.heads[0] === head && new Set(a.heads).size === a.heads.length && a.heads.every((h) => Number.isInteger(h) && heads[h] === k) && a.permutations.every(isPermutation);
  if (!ok) throw new CheckpointError(folder, `model.json's "answer" does not fit the model's heads (${heads.join(', ')} clusters, head ${head} answers)`);
  return a as HeadEnsemble;
}

/**
 * Labels `set` with a trained model: each item goes to the argmax of the ensemble's heads'
 * log-probabilities (each summed over modalities, matched onto the answering head's clusters), with
 * the renormalised probability of that cluster as its confidence; written to `out` as `path,cluster,confidence`.
 */
export async function writeRunAssignment(model: SelaviModel, set: TrainSet, ensemble: HeadEnsemble, out: string, onBatch?: (done: number, total: number) => void): Promise<void> {
  const { perMod, present, ks } = await scorePass(model, set, 32, createRng(0), false, onBatch);
  const fused = ks.map((k, h) => combineLogProbs(present.map((m) => perMod[m]![h]), set.n, k));
  const { labels: clusters, confidence } = ensembleAnswer(fused, ensemble, set.n, ks[ensemble.heads[0]]);
  const lines = set.names.map((name, i) => `${csvField(name)},${clusters[i]},${confidence[i].toFixed(4)}`);
  writeFileAtomic(out, `path,cluster,confidence\n${lines.join('\n')}\n`);
}

export async function runAssign(job: AssignJob): Promise<{ out: string; clips: number; skipped: number; head: number }> {
  const say = job.say ?? sayOnStderr;
  const saved = readModel(job.run);
  const decodeOptions = await runClipOptions(job.run);
  await initBackend({ backend: job.backend, log: job.say });
  const { model, head, ensemble } = buildRunModel(job.run, saved);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'selavi-assign-'));
  try {
    const summary = await buildCache({ ...decodeOptions, videos: job.videos, out: tmp, progress: job.progress, say });
    for (const s of summary.skipped) say(`skipped ${s.path}: ${s.reason}`);
    const cache = await openCache(tmp);
    try {
      if (cache.size === 0) throw new InputError(job.videos, 'no usable clip to assign');
      const set = clipCacheTrainSet(cache, model.config.modalities, undefined, model.config.videoView ?? 'frame');
      await writeRunAssignment(model, set, ensemble, job.out, passProgress('assign', job.progress));
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
