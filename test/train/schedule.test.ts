import { describe, expect, it } from 'vitest';
import { autoEpochs, labelUpdateSteps, learningRate, stepsPerEpoch } from '../../src/train/schedule.js';

describe('labelUpdateSteps', () => {
  it('is dense early: (i/U)^1.5 of the run', () => {
    // 100·(1/4)^1.5 = 12.5 → 12; 100·(2/4)^1.5 = 35.36 → 35; 100·(3/4)^1.5 = 64.95 → 64.
    expect(labelUpdateSteps(100, 4)).toEqual([0, 12, 35, 64]);
  });
  it('collapses duplicates on short runs and always starts at 0', () => {
    expect(labelUpdateSteps(3, 10)).toEqual([0, 1, 2]);
    expect(labelUpdateSteps(0, 5)).toEqual([0]);
    expect(labelUpdateSteps(50, 1)).toEqual([0]);
  });
});

describe('learningRate', () => {
  it('warms up from lr/10, peaks at lr, decays to lr/100', () => {
    expect(learningRate(0, 100, 1, 10)).toBeCloseTo(0.1, 12);
    expect(learningRate(10, 100, 1, 10)).toBeCloseTo(1, 12);
    expect(learningRate(100, 100, 1, 10)).toBeCloseTo(0.01, 12);
    expect(learningRate(55, 100, 1, 10)).toBeCloseTo(0.505, 12); // halfway through the cosine
  });
});

describe('autoEpochs (no --epochs given)', () => {
  it('gives small collections at least 1,600 steps, large ones the minimum, tiny ones at most 100 epochs', () => {
    expect(autoEpochs(600, 32, 20)).toBe(89); // 18 steps an epoch: ceil(1600 / 18)
    expect(autoEpochs(300, 32, 20)).toBe(100); // 9 steps: ceil(1600 / 9) = 178, capped
    expect(autoEpochs(1000, 32, 20)).toBe(52); // 31 steps: ceil(1600 / 31)
    expect(autoEpochs(2000, 32, 20)).toBe(26); // 62 steps: ceil(1600 / 62)
    expect(autoEpochs(4000, 32, 20)).toBe(20); // 125 steps: 13 < 20
    expect(autoEpochs(100_000, 32, 20)).toBe(20);
    expect(autoEpochs(10, 32, 20)).toBe(100); // one step an epoch: capped
    expect(autoEpochs(10, 32, 150)).toBe(150); // never below the minimum asked
  });
});

describe('stepsPerEpoch', () => {
  it('counts whole batches, a batch never larger than the data, at least one', () => {
    expect(stepsPerEpoch(600, 32)).toBe(18);
    expect(stepsPerEpoch(64, 32)).toBe(2);
    expect(stepsPerEpoch(10, 32)).toBe(1); // one batch of all 10
    expect(stepsPerEpoch(31, 32)).toBe(1);
  });
});
