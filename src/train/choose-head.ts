/**
 * Which head answers, WITHOUT ground truth: the head that agrees most with the others (highest
 * mean NMI to every other head). The reference code picks the head with the best NMI against the
 * ground truth, which leaks the labels into the reported result; truth is never an input here.
 */
import { normalizedMutualInfo } from '../eval/nmi.js';

/** The chosen head and each head's mean agreement with the rest. */
export interface HeadChoice {
  head: number;
  meanAgreement: number[];
  rule: 'max-mean-nmi-to-other-heads';
}

/** Ties go to the lower head index; one head is chosen trivially. */
export function chooseHead(labelsPerHead: readonly Int32Array[]): HeadChoice {
  const h = labelsPerHead.length;
  const mean = new Array<number>(h).fill(h === 1 ? 1 : 0);
  for (let a = 0; a < h; a++) {
    for (let b = a + 1; b < h; b++) {
      const nmi = normalizedMutualInfo(labelsPerHead[a], labelsPerHead[b]);
      mean[a] += nmi / (h - 1);
      mean[b] += nmi / (h - 1);
    }
  }
  let head = 0;
  for (let i = 1; i < h; i++) if (mean[i] > mean[head]) head = i;
  return { head, meanAgreement: mean, rule: 'max-mean-nmi-to-other-heads' };
}
