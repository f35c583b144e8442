/**
 * Warm-started label updates inside training (issue 24, goal 3): the same run twice from one seed,
 * each label update's Sinkhorn solves starting from the last update's column scalings (per head)
 * or from scratch, on the AV-digits level QUALITY_LEVEL (easy: the built-in sample, 300 clips;
 * medium: 1,000 clips with mixed containers, sizes, rates and motion, built here). Prints each
 * run's total Sinkhorn time and iterations over its label updates (from its log.jsonl; every solve,
 * the per-modality targets' included) and its NMI.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildAvDigits } from '../tools/datasets/av-digits.js';
import { buildCache } from '../src/data/cache.js';
import { runCluster } from '../src/pipeline/run-cluster.js';
import { DEFAULT_TRAIN } from '../src/train/train-config.js';
import type { SinkhornLog } from '../src/train/selavi.js';

const level = process.env.QUALITY_LEVEL ?? 'easy';
const root = path.resolve('.cache/sinkhorn-warm');
const decode = { frames: 4, size: 32, clipSeconds: 2, melBins: 40, hopMs: 20 };
let clips: string;
let truth: string;
let train = { ...DEFAULT_TRAIN, augmentStrength: 'light' as const, flip: false, epochs: 40 };
if (level === 'easy') {
  clips = path.resolve('datasets/av-digits-easy/clips');
  truth = path.resolve('datasets/av-digits-easy/labels.csv');
} else if (level === 'medium') {
  const data = path.join(root, 'medium-mixed-1000');
  if (!existsSync(path.join(data, 'labels.csv'))) await buildAvDigits({ n: 1000, seed: 1, out: data, force: true, level: 'medium', variation: 'mixed' });
  clips = path.join(data, 'clips');
  truth = path.join(data, 'labels.csv');
  train = { ...train, grey: true, epochs: 26 };
} else throw new Error(`QUALITY_LEVEL must be easy or medium, got ${level}`);
const cache = path.join(root, `${level}-cache`);
await buildCache({ ...decode, videos: clips, out: cache });

async function run(warm: boolean) {
  const out = path.join(root, `${level}-${warm ? 'warm' : 'cold'}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const s = await runCluster({ videos: clips, cache, out, decode, train, truth, resume: false, say: () => undefined, sinkhornWarmStart: warm });
  const log = readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { sinkhorn?: SinkhornLog[]; sinkhorn_modality?: Record<string, SinkhornLog[]> });
  // Every solve of an update: the fused labels' and, with a self weight below 1, each modality's targets'.
  const solves = log.flatMap((e) => [...(e.sinkhorn ?? []), ...Object.values(e.sinkhorn_modality ?? {}).flat()]);
  return {
    nmi: Number((s.metrics as Record<string, number>).nmi.toFixed(4)),
    label_updates: log.filter((e) => e.sinkhorn).length,
    solves: solves.length,
    sinkhorn_seconds: Number(solves.reduce((a, x) => a + x.seconds, 0).toFixed(3)),
    sinkhorn_iterations: solves.reduce((a, x) => a + x.iters, 0),
    unconverged: solves.filter((x) => !x.converged).length,
    run_minutes: Number((s.seconds / 60).toFixed(1)),
  };
}

const cold = await run(false);
const warm = await run(true);
console.log(
  JSON.stringify({
    bench: 'sinkhorn-warm',
    level,
    epochs: train.epochs,
    cold,
    warm,
    sinkhorn_time_ratio_warm_over_cold: Number((warm.sinkhorn_seconds / cold.sinkhorn_seconds).toFixed(3)),
    iterations_ratio_warm_over_cold: Number((warm.sinkhorn_iterations / cold.sinkhorn_iterations).toFixed(3)),
    nmi_difference_warm_minus_cold: Number((warm.nmi - cold.nmi).toFixed(4)),
  }),
);
process.exit(0);
