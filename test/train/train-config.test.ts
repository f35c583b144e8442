import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN, headSizes, sameTrainConfig, trainConfigDifferences, type TrainConfig } from '../../src/train/selavi.js';

describe('headSizes', () => {
  it('gives --heads heads of K, then as many over-clustering heads', () => {
    expect(headSizes({ k: 10, heads: 3, overcluster: 0 })).toEqual([10, 10, 10]);
    expect(headSizes({ k: 10, heads: 2, overcluster: 50 })).toEqual([10, 10, 50, 50]);
    expect(headSizes({ k: 4, heads: 1, overcluster: 2 })).toEqual([4, 2]); // fewer clusters than K is allowed too
  });
});

describe('sameTrainConfig (resume check)', () => {
  it('accepts the same config in any key order', () => {
    const reordered = Object.fromEntries(Object.entries(DEFAULT_TRAIN).reverse()) as Partial<TrainConfig>;
    expect(sameTrainConfig(reordered, DEFAULT_TRAIN)).toBe(true);
  });

  it('reads a field missing from an older checkpoint as its default', () => {
    const { overcluster: _, ...older } = DEFAULT_TRAIN;
    expect(sameTrainConfig(older, DEFAULT_TRAIN)).toBe(true);
    expect(sameTrainConfig(older, { ...DEFAULT_TRAIN, overcluster: 30 })).toBe(false);
  });

  it('reads agree missing from a checkpoint as off (its meaning then), not as the default of today (2)', () => {
    const { agree: _, ...older } = { ...DEFAULT_TRAIN, videoNorm: 'channel' as const };
    expect(sameTrainConfig(older, { ...DEFAULT_TRAIN, videoNorm: 'channel', agree: 0 })).toBe(true);
    expect(trainConfigDifferences(older, { ...DEFAULT_TRAIN, videoNorm: 'channel' })).toEqual(['agree: 0 → 2']);
  });

  it('reads videoNorm missing from a checkpoint as per channel (how it trained then)', () => {
    const { videoNorm: _, ...older } = DEFAULT_TRAIN;
    expect(sameTrainConfig(older, { ...DEFAULT_TRAIN, videoNorm: 'channel' })).toBe(true);
    expect(trainConfigDifferences(older, DEFAULT_TRAIN)).toEqual(['videoNorm: "channel" → "shared"']);
  });

  it('reads selfWeight missing from a checkpoint as 1 (one shared label per clip, how it trained then)', () => {
    const { selfWeight: _, ...older } = DEFAULT_TRAIN;
    expect(sameTrainConfig(older, { ...DEFAULT_TRAIN, selfWeight: 1 })).toBe(true);
    expect(trainConfigDifferences(older, DEFAULT_TRAIN)).toEqual(['selfWeight: 1 → 0.25']);
  });

  it('names every differing field, saved value first', () => {
    expect(trainConfigDifferences({ ...DEFAULT_TRAIN, lr: 0.1, grey: true }, DEFAULT_TRAIN)).toEqual(['grey: true → false', 'lr: 0.1 → 0.05']); // in the config's field order
  });

  it('refuses any changed value', () => {
    expect(sameTrainConfig({ ...DEFAULT_TRAIN, lr: 0.1 }, DEFAULT_TRAIN)).toBe(false);
    expect(sameTrainConfig({ ...DEFAULT_TRAIN, modalities: ['video'] }, DEFAULT_TRAIN)).toBe(false);
  });
});
