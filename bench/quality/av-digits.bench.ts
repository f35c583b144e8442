/**
 * Quality on one AV-digits level (issue 12): SeLaVi fused (the chosen head, and the best head by
 * truth for reporting), video-only and audio-only runs, next to k-means on raw features (the
 * frames' pixels, the log-mel's mean and sd over time, both), all in one run. One JSON line.
 *
 * Env: QUALITY_LEVEL (easy | medium | hard, default hard), QUALITY_N, QUALITY_EPOCHS,
 * QUALITY_SEED (1). Per level, the recipe README's table measured:
 *   easy:   600 clips, 40 epochs, light augmentation, no mirror (target fused NMI ≥ 0.90, ≤ 10 min)
 *   medium: 2,000 clips, 20 epochs, light, no mirror, grey frames (target ≥ 0.50 and ≥ best single + 0.05, ≤ 30 min)
 *   hard:   2,000 clips, 10 epochs, the full augmentation (target ≥ 0.15)
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildAvDigits } from '../../tools/datasets/av-digits.js';
import { buildCache } from '../../src/data/cache.js';
import { runCluster } from '../../src/pipeline/run-cluster.js';
import { DEFAULT_TRAIN, defaultAgree } from '../../src/train/train-config.js';
import type { TrainConfig } from '../../src/train/train-config.js';
import type { Modality } from '../../src/models/selavi-model.js';
import { clipBaselines, round } from './baselines.js';
import { peakRssMb } from '../lib/peak-rss.js';

type Level = 'easy' | 'medium' | 'hard';
const RECIPES: Record<Level, { n: number; epochs: number; train: Partial<TrainConfig> }> = {
  easy: { n: 600, epochs: 40, train: { augmentStrength: 'light', flip: false } },
  medium: { n: 2000, epochs: 20, train: { augmentStrength: 'light', flip: false, grey: true } },
  hard: { n: 2000, epochs: 10, train: {} },
};
const level = (process.env.QUALITY_LEVEL ?? 'hard') as Level;
if (!(level in RECIPES)) throw new Error(`QUALITY_LEVEL must be easy, medium or hard, got ${level}`);
const recipe = RECIPES[level];
const n = Number(process.env.QUALITY_N ?? recipe.n);
const epochs = Number(process.env.QUALITY_EPOCHS ?? recipe.epochs);
const seed = Number(process.env.QUALITY_SEED ?? 1);
const root = path.resolve('.cache/quality');
const data = path.join(root, `av-digits-${level}-${n}`);
const decode = { frames: 4, size: 32, clipSeconds: 2, melBins: 40, hopMs: 20 };
const t0 = performance.now();

if (!existsSync(path.join(data, 'labels.csv'))) await buildAvDigits({ n, seed: 1, out: data, force: true, level });
const truthFile = path.join(data, 'labels.csv');

// ===== baselines on the decoded clips =====
const cacheDir = path.join(root, `av-digits-${level}-${n}-cache`);
await buildCache({ ...decode, videos: path.join(data, 'clips'), out: cacheDir });
const { items, ...baselines } = await clipBaselines(cacheDir, truthFile, 10);

// ===== SeLaVi: fused, and each modality alone =====
async function selavi(modalities: Modality[]) {
  const out = path.join(root, `run-av-digits-${level}-${n}-${modalities.join('+')}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const s = await runCluster({
    videos: path.join(data, 'clips'),
    out,
    cache: cacheDir,
    train: { ...DEFAULT_TRAIN, agree: defaultAgree(modalities), ...recipe.train, modalities, epochs, seed },
    decode,
    truth: truthFile,
    nuisance: path.join(data, 'meta.jsonl'),
    resume: false,
    say: () => undefined,
  });
  const mm = s.metrics as Record<string, number>;
  // The best head by truth, from the final label pass (reporting only: never the answer).
  const log = readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const perHead: number[] = (log.at(-1).nmi_truth ?? []).slice(0, DEFAULT_TRAIN.heads); // not the over-clustering heads
  return { nmi: round(mm.nmi), best_head_nmi: round(Math.max(mm.nmi, ...perHead)), ari: round(mm.ari), accuracy: round(mm.accuracy), minutes: round(s.seconds / 60, 1) };
}
/** The CLI flags of a recipe, for the table (e.g. `--augment-strength light --no-flip --grey`). */
function recipeFlags(t: Partial<TrainConfig>): string {
  const flags: string[] = [];
  if (t.augmentStrength) flags.push(`--augment-strength ${t.augmentStrength}`);
  if (t.flip === false) flags.push('--no-flip');
  if (t.grey) flags.push('--grey');
  return flags.join(' ');
}

const fused = await selavi(['video', 'audio']);
const videoOnly = await selavi(['video']);
const audioOnly = await selavi(['audio']);
console.log(
  JSON.stringify({
    bench: 'quality-av-digits',
    level,
    clips: items,
    epochs,
    seed,
    flags: recipeFlags(recipe.train),
    selavi_fused: fused,
    selavi_video_only: videoOnly,
    selavi_audio_only: audioOnly,
    fused_minus_best_single_nmi: round(fused.nmi - Math.max(videoOnly.nmi, audioOnly.nmi)),
    ...baselines,
    minutes: round((performance.now() - t0) / 60000, 1),
    peak_rss_mb: peakRssMb(),
  }),
);
process.exit(0);
