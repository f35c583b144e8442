/**
 * Do recipes hold on data they were not tuned on? (issue 21) For each AV-digits level, variation
 * in form (fixed, mixed, shifted: see tools/datasets/av-clip.ts `Variation`; `shifted` is kept out
 * of all tuning) and generator seed: k-means baselines, one full run per fixed recipe (the one the
 * defaults chose is read from their run, `from_defaults_run`), and the defaults (`selavi cluster
 * DIR` with no recipe flags: `--augment-strength auto`, trial runs scored by video–audio
 * agreement). Reports which recipe truth would have picked (reporting only) and whether auto
 * picked it. One JSON line per (level, variation, seed).
 *
 * Env (comma lists): ROBUST_LEVELS (easy,medium,hard), ROBUST_VARIATIONS (fixed,mixed,shifted),
 * ROBUST_SEEDS (1), ROBUST_RECIPES (default: the candidates auto chooses from and the fallback; e.g. warp,warp+grey,light+grey+subject),
 * ROBUST_N_<LEVEL> (easy 600, medium 1000, hard 1000), ROBUST_EPOCHS (unset: what `selavi cluster`
 * does without --epochs, at least 1,600 steps on a small collection), ROBUST_RUNS (recipes,auto,single:
 * which runs a cell makes; `single` alone reads the recipe auto chose from an earlier bench run's
 * folder, and the table merges the lines of one cell).
 * `single`: one run per modality alone (`--modalities video`, `--modalities audio`) with the recipe
 * the defaults trained with, so that "fused ≥ best single modality + 0.05" compares runs that differ
 * only in the second modality.
 * Every run is what `selavi cluster` runs for those flags: the epochs rule, and for the defaults
 * the trials' fallback when no trial agrees above chance.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildAvDigits } from '../../tools/datasets/av-digits.js';
import type { Level, Variation } from '../../tools/datasets/av-clip.js';
import { buildCache } from '../../src/data/cache.js';
import { runCluster } from '../../src/pipeline/run-cluster.js';
import { FALLBACK_RULE, fallbackRecipe, parseRecipe, recipeCandidates, recipeName, type Recipe, type RecipeChoice } from '../../src/pipeline/choose-recipe.js';
import { AUTO_STRENGTHS, DEFAULT_TRAIN, defaultAgree, defaultSelfWeight } from '../../src/train/train-config.js';
import type { Modality } from '../../src/models/selavi-model.js';
import { clipBaselines, round } from './baselines.js';
import { peakRssMb } from '../lib/peak-rss.js';

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
const levels = list('ROBUST_LEVELS', 'easy,medium,hard') as Level[];
const variations = list('ROBUST_VARIATIONS', 'fixed,mixed,shifted') as Variation[];
const seeds = list('ROBUST_SEEDS', '1').map(Number);
const autoCandidates = recipeCandidates('auto', undefined, undefined, AUTO_STRENGTHS);
// The trials' candidates and the fallback: every recipe the defaults can train with.
const recipes: Recipe[] = list('ROBUST_RECIPES', [...new Set([...autoCandidates, fallbackRecipe('auto', undefined, undefined)].map(recipeName))].join(',')).map(parseRecipe);
const sizes: Record<Level, number> = { easy: 600, medium: 1000, hard: 1000 };
const autoEpochs = process.env.ROBUST_EPOCHS === undefined;
const epochs = Number(process.env.ROBUST_EPOCHS ?? DEFAULT_TRAIN.epochs);
const decode = { frames: 4, size: 32, clipSeconds: 2, melBins: 40, hopMs: 20 };
const root = path.resolve('.cache/quality/robust');
const runKinds = list('ROBUST_RUNS', 'recipes,auto,single');

async function cell(level: Level, variation: Variation, seed: number) {
  const t0 = performance.now();
  const n = Number(process.env[`ROBUST_N_${level.toUpperCase()}`] ?? sizes[level]);
  const name = `${level}-${variation}-s${seed}-n${n}`;
  const data = path.join(root, name);
  if (!existsSync(path.join(data, 'labels.csv'))) await buildAvDigits({ n, seed, out: data, force: true, level, variation });
  const truth = path.join(data, 'labels.csv');
  const cacheDir = path.join(root, `${name}-cache`);
  await buildCache({ ...decode, videos: path.join(data, 'clips'), out: cacheDir });
  const { items, ...baselines } = await clipBaselines(cacheDir, truth, 10);

  type Scored = { nmi: number; accuracy: number; minutes: number; video_nmi: number; audio_nmi: number; trial_minutes?: number; chosen?: string; fallback?: boolean; trials?: Record<string, number> };
  const run = async (label: string, recipe: Recipe | undefined, modalities: readonly Modality[] = ['video', 'audio']): Promise<Scored> => {
    const out = path.join(root, `run-${name}-${label}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const s = await runCluster({
      videos: path.join(data, 'clips'),
      out,
      cache: cacheDir,
      train: { ...DEFAULT_TRAIN, agree: defaultAgree(modalities), selfWeight: defaultSelfWeight(modalities), modalities: [...modalities], epochs, seed, ...(recipe ?? {}) },
      recipes: recipe ? undefined : autoCandidates,
      recipeFallback: recipe ? undefined : fallbackRecipe('auto', undefined, undefined),
      autoEpochs,
      decode,
      truth,
      resume: false,
      report: false,
      say: () => undefined,
    });
    const m = s.metrics as Record<string, number>;
    // Each modality's own answer (head 0's video and audio argmax, from the log's last line): the
    // fused model's encoders, one at a time, against their k-means baselines.
    const last = JSON.parse(readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').at(-1)!);
    const perModality = last.nmi_modality_truth ?? {};
    const score = { nmi: round(m.nmi), accuracy: round(m.accuracy), minutes: round(s.seconds / 60, 1), video_nmi: round(perModality.video ?? NaN), audio_nmi: round(perModality.audio ?? NaN) };
    if (recipe) return score;
    const choice = JSON.parse(readFileSync(path.join(out, 'recipe.json'), 'utf8')) as RecipeChoice;
    const trialMinutes = round(choice.trials.reduce((a, t) => a + t.seconds, 0) / 60, 1);
    return { ...score, trial_minutes: trialMinutes, chosen: recipeName(choice.chosen!), fallback: choice.rule === FALLBACK_RULE, trials: Object.fromEntries(choice.trials.map((t) => [recipeName(t.recipe), t.agreement])) };
  };

  // The defaults first: after the trials (models of their own) their full run is the run of the
  // recipe they chose, flag for flag and seed for seed (hard: the same clusters.csv byte for byte;
  // medium: the same NMI; README, eleventh round), so that recipe is not trained twice.
  const auto = runKinds.includes('auto') ? await run('auto', undefined) : undefined;
  const fixed: Record<string, { nmi: number; accuracy: number; minutes: number; from_defaults_run?: boolean }> = {};
  if (runKinds.includes('recipes'))
    for (const r of recipes) {
      const label = recipeName(r);
      fixed[label] = auto && auto.chosen === label ? reuseDefaultsRun(auto) : await run(label, r);
    }
  const best = Object.entries(fixed).reduce<[string, { nmi: number }] | undefined>((a, b) => (!a || b[1].nmi > a[1].nmi ? b : a), undefined);
  let single: { recipe: string; video: Scored; audio: Scored } | undefined;
  if (runKinds.includes('single')) {
    const chosen = autoChoice(path.join(root, `run-${name}-auto`));
    single = { recipe: recipeName(chosen), video: await run('video-only', chosen, ['video']), audio: await run('audio-only', chosen, ['audio']) };
  }
  return {
    bench: 'quality-robust',
    level,
    variation,
    held_out: variation === 'shifted',
    seed,
    clips: items,
    epochs: autoEpochs ? 'auto (at least 1,600 steps)' : epochs,
    ...baselines,
    ...(best && { recipes: fixed, best_recipe_by_truth: best[0] }),
    ...(auto && { defaults_auto: auto }),
    ...(auto && best && { auto_picked_best: auto.chosen === best[0], defaults_minus_best_nmi: round(auto.nmi - best[1].nmi) }),
    ...(single && { single_modality: single }),
    minutes: round((performance.now() - t0) / 60000, 1),
    peak_rss_mb: peakRssMb(),
  };
}

/** A fixed recipe's score taken from the defaults' run that trained it: minutes less the trials'. */
function reuseDefaultsRun(auto: { nmi: number; accuracy: number; minutes: number; video_nmi: number; audio_nmi: number; trial_minutes?: number }) {
  const { nmi, accuracy, minutes, video_nmi, audio_nmi, trial_minutes = 0 } = auto;
  return { nmi, accuracy, minutes: round(minutes - trial_minutes, 1), video_nmi, audio_nmi, from_defaults_run: true };
}

/** The recipe the defaults trained with in a cell's auto run (this invocation's or an earlier one's). */
function autoChoice(autoRun: string): Recipe {
  const file = path.join(autoRun, 'recipe.json');
  if (!existsSync(file)) throw new Error(`ROBUST_RUNS=single needs the defaults' run of the cell (${file}): run it with auto first`);
  const choice = JSON.parse(readFileSync(file, 'utf8')) as RecipeChoice;
  if (!choice.chosen) throw new Error(`${file} names no chosen recipe`);
  return choice.chosen;
}

for (const level of levels) for (const variation of variations) for (const seed of seeds) console.log(JSON.stringify(await cell(level, variation, seed)));
process.exit(0);
