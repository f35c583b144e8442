import { describe, expect, it } from 'vitest';
import { chooseHead } from '../../src/train/choose-head.js';

describe('chooseHead', () => {
  it('picks the head that agrees most with the others', () => {
    const a = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const b = Int32Array.from([1, 1, 0, 0, 2, 2]); // a relabelled: NMI(a, b) = 1
    const noisy = Int32Array.from([0, 1, 0, 1, 0, 1]); // independent of a
    const choice = chooseHead([noisy, a, b]);
    expect(choice.head).toBe(1); // a and b tie; the lower index wins
    expect(choice.meanAgreement[0]).toBeLessThan(choice.meanAgreement[1]);
    expect(choice.rule).toBe('max-mean-nmi-to-other-heads');
  });
  it('takes no ground truth: its only input is the heads', () => {
    expect(chooseHead.length).toBe(1);
    expect(chooseHead([Int32Array.from([0, 1])]).head).toBe(0);
  });
});
