import { describe, expect, it } from 'vitest';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';
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
  it('passes over the head that matches the truth when the other heads agree elsewhere', () => {
    const truth = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const exact = Int32Array.from(truth); // NMI 1 to the truth, unrelated to the others
    const c = Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]); // NMI 0 to the truth
    const d = Int32Array.from([1, 0, 1, 0, 1, 0, 1, 0]); // c relabelled
    const choice = chooseHead([exact, c, d]);
    expect(normalizedMutualInfo(truth, exact)).toBe(1);
    expect(normalizedMutualInfo(truth, c)).toBe(0);
    expect(choice.head).toBe(1); // the agreeing pair, although head 0 is the truth itself
    expect(choice.meanAgreement[0]).toBe(0);
  });

  it("with two modalities, picks the head whose video and audio answers agree most, whatever the heads' consensus", () => {
    const a = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const b = Int32Array.from([1, 1, 0, 0, 2, 2]);
    const noisy = Int32Array.from([0, 1, 0, 1, 0, 1]);
    const choice = chooseHead([noisy, a, b], [0.9, 0.2, 0.4]);
    expect(choice).toMatchObject({ head: 0, modalityAgreement: [0.9, 0.2, 0.4], rule: 'max-modality-agreement' });
    expect(choice.meanAgreement[0]).toBeLessThan(choice.meanAgreement[1]); // the consensus would say head 1
    // Only the first heads count (over-clustering heads come after them); ties go to the lower index.
    expect(chooseHead([a, b], [0.5, 0.5, 0.99]).head).toBe(0);
    // Without an agreement per head, the consensus rule.
    expect(chooseHead([noisy, a, b], [0.9]).rule).toBe('max-mean-nmi-to-other-heads');
  });

  it('chooses one head trivially', () => {
    expect(chooseHead([Int32Array.from([0, 1])])).toEqual({ head: 0, meanAgreement: [1], rule: 'max-mean-nmi-to-other-heads' });
  });
});
