/**
 * Choosing a run's recipe WITHOUT truth (`--augment-strength auto`, `--flip` and `--grey` unset):
 * one short trial run per candidate on (a sample of) the same clips, each scored by how much its
 * video and audio answers agree (the chosen head's video–audio NMI: what both modalities of a clip
 * predict alike is the content they share, never a nuisance of one of them); the full run then
 * trains with the winner. What suits a collection depends on it (a mirror image changes a digit
 * or text, colour means nothing for tinted ink but much for fire or grass), and a user cannot know
 * which without labels.
 *
 * RUN/recipe.json records every trial as it finishes, so a killed run resumes without repeating
 * them, and a resumed run trains with the recipe it chose.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { adjustedMutualInfo } from '../eval/ami.js';
import { train } from '../train/selavi.js';
import { stepsPerEpoch } from '../train/schedule.js';
import type { AugmentStrength, TrainConfig } from '../train/train-config.js';
import type { TrainSet } from '../train/train-set.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { recipeName, type Recipe } from './recipe.js';
import { createProgress, type ProgressOptions } from '../report/progress.js';
import { createRng } from '../util/rng.js';

// The recipes themselves (pure, light: the CLI's flag parsing imports them without TensorFlow).
export { fallbackRecipe, parseRecipe, recipeCandidates, recipeName, type Recipe } from './recipe.js';

/** One finished trial. */
export interface RecipeTrial {
  recipe: Recipe;
  /** The trial's chosen head: NMI between its video and audio answers (no truth). */
  agreement: number;
  /** The same agreement less what two unrelated answers with those cluster sizes share by chance (AMI). */
  agreementAboveChance: number;
  seconds: number;
}

/** RUN/recipe.json. */
export interface RecipeChoice {
  rule: string;
  items: number;
  epochs: number;
  trials: RecipeTrial[];
  chosen?: Recipe;
}

/** Trials run on at most this many clips (a seeded sample). */
export const TRIAL_MAX_ITEMS = 1000;
/**
 * Training steps of one trial. On 300 easy AV-digits clips, 180 steps ranked four recipes by
 * video–audio agreement as truth ranked them (the two within 0.003 NMI of each other aside):
 * README, "Recipes that hold".
 */
export const TRIAL_STEPS = 200;

/** Epochs of a trial on `items` clips: {@link TRIAL_STEPS} steps, never more epochs than the run has. */
export function trialEpochs(items: number, batchSize: number, runEpochs: number): number {
  return Math.min(runEpochs, Math.ceil(TRIAL_STEPS / stepsPerEpoch(items, batchSize)));
}

export const RECIPE_RULE = 'the recipe whose short trial run gives the highest video–audio agreement of its chosen head; never chosen by truth';

/**
 * Below this video–audio AMI in every trial, the trials have not found shared content yet and
 * their ranking is noise: the fallback recipe trains. On medium AV digits (1,000 clips, 200-step
 * trials) four trials gave NMI 0.023–0.030 where two unrelated 10-cluster answers of 1,000 clips
 * share ~0.018 by chance, and the rank did not follow truth; on easy (300 clips) 0.15–0.40 with
 * a chance level of ~0.06, and it did (README, "Recipes that hold").
 */
export const TRIAL_CHANCE_AMI = 0.02;

export const FALLBACK_RULE = `every trial's video–audio agreement within chance (AMI < ${TRIAL_CHANCE_AMI}): the fallback recipe, the one that did best across the bench's levels; never chosen by truth`;

/** A view of `data` holding only `indices` (the trial sample). */
export function subsetTrainSet(data: TrainSet, indices: Int32Array): TrainSet {
  const pick = <T extends { [i: number]: number }>(a: T | undefined) => (a ? Int32Array.from(indices, (i) => a[i]) : undefined);
  return {
    n: indices.length,
    names: Array.from(indices, (i) => data.names[i]),
    shapes: data.shapes,
    truth: pick(data.truth),
    nuisances: data.nuisances && Object.fromEntries(Object.entries(data.nuisances).map(([k, v]) => [k, pick(v) as Int32Array])),
    featureInput: data.featureInput,
    batch: (idx, aug, rng) => data.batch(Array.from(idx as ArrayLike<number>, (i) => indices[i]), aug, rng),
  };
}

/** A seeded sample of min(n, max) indices, sorted (reads stay in cache order). */
export function trialSample(n: number, max: number, seed: number): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const rng = createRng(seed ^ 0x7e1a1);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.subarray(0, max).sort();
}

/**
 * The recipe a run being resumed trains with: the one RUN/recipe.json chose, else the one in its
 * RUN/config.json (a run started with explicit flags); undefined for a new run.
 */
export function resumedRecipe(runDir: string): Recipe | undefined {
  for (const name of ['recipe.json', 'config.json']) {
    const file = path.join(runDir, name);
    if (!existsSync(file)) continue;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<RecipeChoice & TrainConfig>;
    // Runs saved before the subject view existed saw frames.
    if (name === 'recipe.json' && saved.chosen) return { ...saved.chosen, videoView: saved.chosen.videoView ?? 'frame' };
    if (name === 'config.json' && saved.augmentStrength && typeof saved.flip === 'boolean') {
      return { augmentStrength: saved.augmentStrength, flip: saved.flip, grey: saved.grey === true, videoView: saved.videoView ?? 'frame' };
    }
  }
  return undefined;
}

/**
 * Runs the trials not yet in RUN/recipe.json and returns the choice (highest agreement; ties go
 * to the earlier candidate). `makeData(recipe)` gives the training set augmented by that recipe.
 * @throws ConfigError when fewer than two modalities are trained (there is nothing to agree).
 */
export async function chooseRecipe(
  cfg: Readonly<TrainConfig>,
  candidates: readonly Recipe[],
  makeData: (r: Recipe) => TrainSet,
  runDir: string,
  say: (line: string) => void,
  progressMode?: ProgressOptions['mode'],
  fallback?: Recipe,
): Promise<Recipe> {
  if (!(cfg.modalities.includes('video') && cfg.modalities.includes('audio'))) {
    throw new ConfigError('--augment-strength auto needs audio and video (it scores recipes by how much the two agree): give --augment-strength');
  }
  if (candidates.length === 1) return candidates[0];
  const file = path.join(runDir, 'recipe.json');
  const n = makeData(candidates[0]).n;
  const sample = trialSample(n, TRIAL_MAX_ITEMS, cfg.seed);
  const epochs = trialEpochs(sample.length, cfg.batchSize, cfg.epochs);
  let record: RecipeChoice = { rule: RECIPE_RULE, items: sample.length, epochs, trials: [] };
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as RecipeChoice;
    // Trials recorded before the chance level was kept are run again.
    if (saved.items === sample.length && saved.epochs === epochs) record = { ...saved, trials: saved.trials.filter((t) => typeof t.agreementAboveChance === 'number') };
  }
  if (record.chosen) return record.chosen;
  say(`choosing the augmentation: ${candidates.length} trial runs of ${epochs} epochs on ${sample.length} clips (${candidates.map(recipeName).join(', ')})`);
  for (const recipe of candidates) {
    if (record.trials.some((t) => recipeName(t.recipe) === recipeName(recipe))) continue;
    const t0 = performance.now();
    const dir = path.join(runDir, 'trials', recipeName(recipe));
    rmSync(dir, { recursive: true, force: true });
    const progress = createProgress({ total: epochs * stepsPerEpoch(sample.length, cfg.batchSize), label: `trial ${recipeName(recipe)}`, mode: progressMode });
    let result;
    try {
      result = await train({ ...cfg, ...recipe, epochs }, subsetTrainSet(makeData(recipe), sample), {
        runDir: dir,
        resume: false,
        logJson: () => undefined,
        say: () => undefined,
        onStep: () => progress.tick(),
      });
    } finally {
      progress.done();
    }
    rmSync(dir, { recursive: true, force: true });
    const agreement = result.choice.modalityAgreement?.[result.choice.head] ?? 0;
    const answers = result.modalityAnswers?.[result.choice.head];
    const aboveChance = answers ? adjustedMutualInfo(answers[0], answers[1]) : 0;
    const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
    record.trials.push({ recipe, agreement: Number(agreement.toFixed(4)), agreementAboveChance: Number(aboveChance.toFixed(4)), seconds });
    writeFileAtomic(file, JSON.stringify(record, null, 1));
    say(`  trial ${recipeName(recipe)}: video–audio agreement ${agreement.toFixed(3)}, above chance ${aboveChance.toFixed(3)} (${seconds} s)`);
  }
  const { recipe, rule } = pickRecipe(record.trials, fallback);
  record.chosen = recipe;
  record.rule = rule;
  writeFileAtomic(file, JSON.stringify(record, null, 1));
  rmSync(path.join(runDir, 'trials'), { recursive: true, force: true });
  say(`augmentation: ${recipeName(recipe)} (${rule === RECIPE_RULE ? 'the highest agreement' : `no trial agreed above chance: the fallback`}; never chosen by truth)`);
  return recipe;
}

/**
 * The trials' winner (highest agreement; ties to the earlier trial), or `fallback` when no trial's
 * agreement is above chance by {@link TRIAL_CHANCE_AMI}.
 */
export function pickRecipe(trials: readonly RecipeTrial[], fallback?: Recipe): { recipe: Recipe; rule: string } {
  if (fallback && trials.every((t) => t.agreementAboveChance < TRIAL_CHANCE_AMI)) return { recipe: fallback, rule: FALLBACK_RULE };
  let best = trials[0];
  for (const t of trials) if (t.agreement > best.agreement) best = t;
  return { recipe: best.recipe, rule: RECIPE_RULE };
}
