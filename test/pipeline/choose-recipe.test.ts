import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fallbackRecipe, FALLBACK_RULE, parseRecipe, pickRecipe, RECIPE_RULE, recipeCandidates, recipeName, resumedRecipe, subsetTrainSet, trialEpochs, trialSample } from '../../src/pipeline/choose-recipe.js';
import type { TrainSet } from '../../src/train/train-set.js';
import { recipeCandidatesFrom, recipeFallbackFrom, type TrainFlags } from '../../src/cli/train-flags.js';
import { AUTO_STRENGTHS } from '../../src/train/train-config.js';

describe('recipe candidates', () => {
  it('leaves open only what the user did not give', () => {
    expect(recipeCandidates('auto', undefined, undefined, ['warp']).map(recipeName)).toEqual(['warp', 'warp+flip', 'warp+grey', 'warp+flip+grey', 'warp+grey+subject', 'warp+flip+grey+subject']);
    expect(recipeCandidates('auto', false, false, ['warp', 'full']).map(recipeName)).toEqual(['warp', 'full']); // --no-grey: no subject view
    expect(recipeCandidates('light', undefined, true, ['warp']).map(recipeName)).toEqual(['light+grey', 'light+flip+grey', 'light+grey+subject', 'light+flip+grey+subject']);
    expect(recipeCandidates('light', true, false, ['warp']).map(recipeName)).toEqual(['light+flip']);
    expect(recipeCandidates('light', false, true, ['warp'], 'frame').map(recipeName)).toEqual(['light+grey']);
    expect(recipeCandidates('auto', false, undefined, ['warp'], 'subject').map(recipeName)).toEqual(['warp+grey+subject']);
    expect(recipeCandidates('auto', false, false, ['warp'], 'subject').map(recipeName)).toEqual(['warp+subject']); // --no-grey kept as given
  });

  it('names round-trip', () => {
    for (const r of recipeCandidates('auto', undefined, undefined, ['warp', 'full'])) expect(parseRecipe(recipeName(r))).toEqual(r);
  });

  it('from the CLI flags: only for audio + video trained from scratch with augmentation', () => {
    const flags = (o: Partial<TrainFlags>) => ({ 'augment-strength': 'auto', augment: true, ...o }) as TrainFlags;
    expect(recipeCandidatesFrom(flags({}), ['video', 'audio'])).toHaveLength(6 * AUTO_STRENGTHS.length);
    expect(recipeCandidatesFrom(flags({ flip: false }), ['video', 'audio'])).toHaveLength(3 * AUTO_STRENGTHS.length);
    expect(recipeCandidatesFrom(flags({ 'video-view': 'frame' }), ['video', 'audio'])).toHaveLength(4 * AUTO_STRENGTHS.length);
    // Every recipe flag given but the view: the two views are tried.
    expect(recipeCandidatesFrom(flags({ 'augment-strength': 'light', flip: false, grey: true }), ['video', 'audio'])?.map(recipeName)).toEqual(['light+grey', 'light+grey+subject']);
    expect(recipeCandidatesFrom(flags({}), ['video'])).toBeUndefined();
    expect(recipeCandidatesFrom(flags({}), ['video', 'audio'], true)).toBeUndefined();
    expect(recipeCandidatesFrom(flags({ augment: false }), ['video', 'audio'])).toBeUndefined();
    expect(recipeCandidatesFrom(flags({ 'augment-strength': 'full', flip: true, grey: false, 'video-view': 'frame' }), ['video', 'audio'])).toBeUndefined();
  });
});

describe('the choice among trials', () => {
  const trial = (name: string, agreement: number, agreementAboveChance: number) => ({ recipe: parseRecipe(name), agreement, agreementAboveChance, seconds: 1 });

  it('the highest agreement wins when any trial agrees above chance; ties go to the earlier trial', () => {
    const trials = [trial('warp', 0.3, 0.2), trial('warp+grey', 0.4, 0.3), trial('warp+flip', 0.4, 0.3)];
    expect(pickRecipe(trials, fallbackRecipe('auto', undefined, undefined))).toEqual({ recipe: parseRecipe('warp+grey'), rule: RECIPE_RULE });
    // One trial above chance (0.02) is enough for the ranking to stand.
    expect(pickRecipe([trial('warp', 0.03, 0.001), trial('warp+flip', 0.05, 0.021)], parseRecipe('light+grey')).recipe).toEqual(parseRecipe('warp+flip'));
  });

  it('every trial within chance: the fallback, whatever the noise ranks first', () => {
    // Medium AV digits' four trials (NMI 0.023-0.026, AMI below 0.02).
    const trials = [trial('warp', 0.026, 0.008), trial('warp+flip', 0.023, 0.005), trial('warp+grey', 0.025, 0.007), trial('warp+flip+grey', 0.025, 0.0199)];
    expect(pickRecipe(trials, parseRecipe('light+grey'))).toEqual({ recipe: parseRecipe('light+grey'), rule: FALLBACK_RULE });
    expect(pickRecipe(trials).recipe).toEqual(parseRecipe('warp')); // no fallback given: the trials' best
  });

  it('the fallback keeps what the user gave and fills the rest with light, no mirror, grey, the subject view', () => {
    expect(fallbackRecipe('auto', undefined, undefined)).toEqual({ augmentStrength: 'light', flip: false, grey: true, videoView: 'subject' });
    expect(fallbackRecipe('warp', true, undefined)).toEqual({ augmentStrength: 'warp', flip: true, grey: true, videoView: 'subject' });
    expect(fallbackRecipe('auto', undefined, false)).toEqual({ augmentStrength: 'light', flip: false, grey: false, videoView: 'frame' }); // colour asked for: frames
    expect(fallbackRecipe('auto', undefined, undefined, 'frame')).toEqual({ augmentStrength: 'light', flip: false, grey: true, videoView: 'frame' });
    const flags = (o: Partial<TrainFlags>) => ({ 'augment-strength': 'auto', augment: true, ...o }) as TrainFlags;
    expect(recipeFallbackFrom(flags({ flip: true }))).toEqual({ augmentStrength: 'light', flip: true, grey: true, videoView: 'subject' });
    expect(recipeFallbackFrom(flags({ 'video-view': 'frame' }))).toEqual({ augmentStrength: 'light', flip: false, grey: true, videoView: 'frame' });
  });
});

describe('trial runs', () => {
  it('last 200 steps (never more epochs than the run)', () => {
    expect(trialEpochs(1000, 32, 20)).toBe(7); // 31 steps an epoch
    expect(trialEpochs(300, 32, 89)).toBe(23); // 9 steps an epoch
    expect(trialEpochs(300, 32, 10)).toBe(10);
    expect(trialEpochs(24, 8, 8)).toBe(8);
  });

  it('sample at most the cap, sorted, the same for a seed', () => {
    expect(Array.from(trialSample(5, 10, 1))).toEqual([0, 1, 2, 3, 4]);
    const s = trialSample(5000, 1000, 3);
    expect(s.length).toBe(1000);
    expect(new Set(s).size).toBe(1000);
    expect(Array.from(s)).toEqual(Array.from(s).sort((a, b) => a - b));
    expect(Array.from(trialSample(5000, 1000, 3))).toEqual(Array.from(s));
    expect(Array.from(trialSample(5000, 1000, 4))).not.toEqual(Array.from(s));
  });

  it('train on a view of the data that maps batch indices to the sample', () => {
    const asked: number[][] = [];
    const data: TrainSet = {
      n: 6,
      names: ['a', 'b', 'c', 'd', 'e', 'f'],
      shapes: { audio: [1, 1] },
      truth: Int32Array.from([0, 1, 2, 3, 4, 5]),
      batch: (idx) => {
        asked.push(Array.from(idx as ArrayLike<number>));
        return {};
      },
    };
    const sub = subsetTrainSet(data, Int32Array.from([1, 4]));
    expect([sub.n, sub.names, Array.from(sub.truth!)]).toEqual([2, ['b', 'e'], [1, 4]]);
    sub.batch(Int32Array.from([1, 0]), false, { next: () => 0, int: () => 0 } as never);
    expect(asked).toEqual([[4, 1]]);
  });

  it('a resumed run takes recipe.json\'s choice, else its config.json\'s recipe, else nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'selavi-recipe-'));
    expect(resumedRecipe(dir)).toBeUndefined();
    // Saved before the subject view existed: frames.
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ augmentStrength: 'full', flip: true, grey: true }));
    expect(resumedRecipe(dir)).toEqual({ augmentStrength: 'full', flip: true, grey: true, videoView: 'frame' });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ augmentStrength: 'full', flip: true, grey: true, videoView: 'subject' }));
    expect(resumedRecipe(dir)).toEqual({ augmentStrength: 'full', flip: true, grey: true, videoView: 'subject' });
    writeFileSync(path.join(dir, 'recipe.json'), JSON.stringify({ trials: [], chosen: { augmentStrength: 'warp', flip: false, grey: false } }));
    expect(resumedRecipe(dir)).toEqual({ augmentStrength: 'warp', flip: false, grey: false, videoView: 'frame' });
    writeFileSync(path.join(dir, 'recipe.json'), JSON.stringify({ trials: [], chosen: { augmentStrength: 'warp', flip: false, grey: true, videoView: 'subject' } }));
    expect(resumedRecipe(dir)).toEqual({ augmentStrength: 'warp', flip: false, grey: true, videoView: 'subject' });
  });
});
