/**
 * A training recipe (augmentation strength, mirror, colour or grey frames) and the pure functions
 * over it: the candidates the trials compare, the fallback, and the names RUN/recipe.json keeps.
 * Kept apart from choose-recipe.ts (which trains) so that flag parsing loads no TensorFlow.
 */
import type { AugmentStrength, VideoView } from '../train/train-config.js';

export interface Recipe {
  augmentStrength: AugmentStrength;
  flip: boolean;
  grey: boolean;
  videoView: VideoView;
}

/**
 * What trains when the trials cannot tell the candidates apart: for each setting the user left
 * open, the value that measured best across the bench's levels (README, "Recipes that hold"):
 * `light` augmentation, no mirror, grey, and the subject view (unless `--no-grey`). On 1,000
 * clips of the varied medium level (rotation, scale, sizes, frame rates, containers) `light`, grey
 * frames gave NMI 0.588 where the trials' pick (warp, colour) gave 0.054 at the same 1,612 steps;
 * the subject view then took the held-out medium variation from 0.726 to 0.964 and the hard level
 * from 0.071 to 0.667, where 200-step trials of it were still within chance. The levels are
 * digits: footage with no one subject on a plain background wants `--video-view frame`.
 */
export function fallbackRecipe(strength: AugmentStrength | 'auto', flip: boolean | undefined, grey: boolean | undefined, view?: VideoView): Recipe {
  return { augmentStrength: strength === 'auto' ? 'light' : strength, flip: flip ?? false, grey: grey ?? true, videoView: view ?? (grey === false ? 'frame' : 'subject') };
}

/** `warp`, `warp+flip`, `warp+grey`, `warp+flip+grey`, `warp+grey+subject`, ... */
export function recipeName(r: Recipe): string {
  return `${r.augmentStrength}${r.flip ? '+flip' : ''}${r.grey ? '+grey' : ''}${r.videoView === 'subject' ? '+subject' : ''}`;
}

/** Parses {@link recipeName}'s form. */
export function parseRecipe(name: string): Recipe {
  const [strength, ...parts] = name.split('+');
  return { augmentStrength: strength as AugmentStrength, flip: parts.includes('flip'), grey: parts.includes('grey'), videoView: parts.includes('subject') ? 'subject' : 'frame' };
}

/**
 * The candidates for what the user left open: every strength of `strengths` given none, both
 * mirror settings given neither `--flip` nor `--no-flip`, colour and grey frames given neither,
 * and, given no `--video-view` (nor `--no-grey`: a subject view has no colour), the subject view
 * too, after the frame candidates (ties go to the earlier) and in grey unless `--no-grey` (a subject
 * view's three channels are equal either way).
 */
export function recipeCandidates(strength: AugmentStrength | 'auto', flip: boolean | undefined, grey: boolean | undefined, strengths: readonly AugmentStrength[], view?: VideoView): Recipe[] {
  const ss = strength === 'auto' ? strengths : [strength];
  const fs = flip === undefined ? [false, true] : [flip];
  const gs = grey === undefined ? [false, true] : [grey];
  const frames = view === 'subject' ? [] : ss.flatMap((s) => gs.flatMap((g) => fs.map((f): Recipe => ({ augmentStrength: s, flip: f, grey: g, videoView: 'frame' }))));
  const subjects = view === 'frame' || (view === undefined && grey === false) ? [] : ss.flatMap((s) => fs.map((f): Recipe => ({ augmentStrength: s, flip: f, grey: grey !== false, videoView: 'subject' })));
  return [...frames, ...subjects];
}
