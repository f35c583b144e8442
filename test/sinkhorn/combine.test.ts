import { describe, expect, it } from 'vitest';
import { combineLogProbs } from '../../src/sinkhorn/combine.js';
import { expectClose } from '../helpers/expect-close.js';

describe('combineLogProbs', () => {
  it('sums log-softmax of each modality', () => {
    // video row [ln 3, 0] → log p = [ln 3/4, ln 1/4]; audio row [0, 0] → [ln 1/2, ln 1/2].
    const video = new Float32Array([Math.log(3), 0]);
    const audio = new Float32Array([0, 0]);
    expectClose(combineLogProbs([video, audio], 1, 2), [Math.log(3 / 8), Math.log(1 / 8)], 1e-6);
    expectClose(combineLogProbs([video, audio], 1, 2, 'mean'), [Math.log(3 / 8) / 2, Math.log(1 / 8) / 2], 1e-6);
  });

  it('is invariant to a constant added to a modality row', () => {
    const a = combineLogProbs([new Float32Array([1, 2, 3]), new Float32Array([0, 5, 1])], 1, 3);
    const b = combineLogProbs([new Float32Array([101, 102, 103]), new Float32Array([0, 5, 1])], 1, 3);
    expectClose(a, b, 1e-5);
  });

  it('throws when a modality has the wrong size or none is given', () => {
    expect(() => combineLogProbs([], 1, 2)).toThrow(/no modality/);
    expect(() => combineLogProbs([new Float32Array(3)], 1, 2)).toThrow(/modality 0 has 3 scores/);
  });
});
