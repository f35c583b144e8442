/**
 * The --agree default depends on the run: the cross-modal agreement term with audio and video from
 * scratch, off with one modality (it would need two augmented views) and on released features.
 */
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { trainConfigFrom, withTrainFlags } from '../../src/cli/train-flags.js';
import { defaultAgree } from '../../src/train/train-config.js';
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
