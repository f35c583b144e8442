/**
 * A training recipe (augmentation strength, mirror, colour or grey frames) and the pure functions
 * over it: the candidates the trials compare, the fallback, and the names RUN/recipe.json keeps.
 * Kept apart from choose-recipe.ts (which trains) so that flag parsing loads no TensorFlow.
 */
import type { AugmentStrength } from '../train/train-config.js';

export interface Recipe {
  augmentStrength: AugmentStrength;
  flip: boolean;
  grey: boolean;
}

/**
 * What trains when the trials cannot tell the candidates apart: for each setting the user left
 * open, the value that measured best across the bench's levels (README, "Recipes that hold"):
 * `light` augmentation, no mirror, grey frames. On 1,000 clips of the varied medium level
 * (rotation, scale, sizes, frame rates, containers) this recipe gave NMI 0.588 where the
 * trials' pick (warp, colour) gave 0.054 at the same 1,612 steps; since `light` adds background
 * noise, 0.522 / 0.543 / 0.394 over three seeds, and 0.450 on the held-out variation.
 */
export function fallbackRecipe(strength: AugmentStrength | 'auto', flip: boolean | undefined, grey: boolean | undefined): Recipe {
  return { augmentStrength: strength === 'auto' ? 'light' : strength, flip: flip ?? false, grey: grey ?? true };
}

/** `warp`, `warp+flip`, `warp+grey`, `warp+flip+grey`. */
export function recipeName(r: Recipe): string {
  return `${r.augmentStrength}${r.flip ? '+flip' : ''}${r.grey ? '+grey' : ''}`;
}

/** Parses {@link recipeName}'s form. */
export function parseRecipe(name: string): Recipe {
  const [strength, ...parts] = name.split('+');
  return { augmentStrength: strength as AugmentStrength, flip: parts.includes('flip'), grey: parts.includes('grey') };
}

/**
 * The candidates for what the user left open: every strength of `strengths` given none, both
 * mirror settings given neither `--flip` nor `--no-flip`, colour and grey frames given neither.
 */
export function recipeCandidates(strength: AugmentStrength | 'auto', flip: boolean | undefined, grey: boolean | undefined, strengths: readonly AugmentStrength[]): Recipe[] {
  const ss = strength === 'auto' ? strengths : [strength];
  const fs = flip === undefined ? [false, true] : [flip];
  const gs = grey === undefined ? [false, true] : [grey];
  return ss.flatMap((s) => gs.flatMap((g) => fs.map((f) => ({ augmentStrength: s, flip: f, grey: g }))));
}
