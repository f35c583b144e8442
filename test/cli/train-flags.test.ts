/**
 * The --agree default depends on the run: the cross-modal agreement term with audio and video from
 * scratch, off with one modality (it would need two augmented views) and on released features.
 */
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { trainConfigFrom, withTrainFlags } from '../../src/cli/train-flags.js';
import { defaultAgree, defaultSelfWeight } from '../../src/train/train-config.js';
import type { Modality } from '../../src/models/selavi-model.js';

const parse = (args: string[]) => withTrainFlags(yargs()).parseSync(['--out', 'runs/x', ...args]);

describe('--agree default', () => {
  it.each([
    [['video', 'audio'], false, 2],
    [['video'], false, 0],
    [['audio'], false, 0],
    [['image'], false, 0],
    [['video', 'audio'], true, 0],
  ] as [Modality[], boolean, number][])('%j (released features: %s) → %d', (modalities, frozen, want) => {
    expect(defaultAgree(modalities, frozen)).toBe(want);
    expect(trainConfigFrom(parse([]), modalities, frozen).agree).toBe(want);
  });

  it('a given --agree wins, 0 included', () => {
    expect(trainConfigFrom(parse(['--agree', '0']), ['video', 'audio']).agree).toBe(0);
    expect(trainConfigFrom(parse(['--agree', '1.5']), ['image']).agree).toBe(1.5);
    expect(() => trainConfigFrom(parse(['--agree', '-1']), ['video', 'audio'])).toThrow(/--agree must be >= 0/);
  });
});

describe('--self-weight', () => {
  it.each([
    [['video', 'audio'], false, 0.25],
    [['video'], false, 1],
    [['image'], false, 1],
    [['video', 'audio'], true, 1],
  ] as [Modality[], boolean, number][])('%j (released features: %s) → %d', (modalities, frozen, want) => {
    expect(defaultSelfWeight(modalities, frozen)).toBe(want);
    expect(trainConfigFrom(parse([]), modalities, frozen).selfWeight).toBe(want);
  });

  it('a given weight wins, 0 and 1 included; outside [0, 1] it is refused', () => {
    expect(trainConfigFrom(parse(['--self-weight', '0']), ['video', 'audio']).selfWeight).toBe(0);
    expect(trainConfigFrom(parse(['--self-weight', '1']), ['video', 'audio']).selfWeight).toBe(1);
    expect(() => trainConfigFrom(parse(['--self-weight', '1.5']), ['video', 'audio'])).toThrow(/--self-weight must be between 0 and 1, got 1.5/);
    expect(() => trainConfigFrom(parse(['--self-weight', '-0.1']), ['video', 'audio'])).toThrow(/between 0 and 1/);
  });
});

describe('--video-norm', () => {
  it('is shared by default, channel on request; checkpoints from before it resume as channel', () => {
    expect(trainConfigFrom(parse([]), ['video', 'audio']).videoNorm).toBe('shared');
    expect(trainConfigFrom(parse(['--video-norm', 'channel']), ['video', 'audio']).videoNorm).toBe('channel');
  });
});

describe('--grey', () => {
  it('is off by default and reaches the config when given', () => {
    expect(trainConfigFrom(parse([]), ['video', 'audio']).grey).toBe(false);
    expect(trainConfigFrom(parse(['--grey']), ['video', 'audio']).grey).toBe(true);
  });
});
