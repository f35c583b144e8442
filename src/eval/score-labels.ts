/** Every clustering metric of two aligned label vectors, from one contingency table. */
import { clusterAccuracyOfTable } from './accuracy.js';
import { adjustedMutualInfoOfTable } from './ami.js';
import { adjustedRandIndexOfTable } from './ari.js';
import { meanClusterEntropyOfTable } from './cluster-entropy.js';
import { contingencyTable } from './contingency.js';
import { normalizedMutualInfoOfTable } from './nmi.js';
import { purityOfTable } from './purity.js';

export interface LabelScores {
  nmi: number;
  ami: number;
  ari: number;
  accuracy: number;
  purity: number;
  /** Mean cluster entropy in nats (see `meanClusterEntropy`). */
  entropy: number;
  /** Distinct classes and clusters among the scored items. */
  classes: number;
  clusters: number;
}

/** @example scoreLabels([0, 0, 1, 1], [1, 1, 0, 0]) // { nmi: 1, accuracy: 1, ... } */
export function scoreLabels(truth: ArrayLike<number>, pred: ArrayLike<number>): LabelScores {
  const table = contingencyTable(truth, pred);
  return {
    nmi: normalizedMutualInfoOfTable(table),
    ami: adjustedMutualInfoOfTable(table),
    ari: adjustedRandIndexOfTable(table),
    accuracy: clusterAccuracyOfTable(table),
    purity: purityOfTable(table),
    entropy: meanClusterEntropyOfTable(table),
    classes: table.classes.length,
    clusters: table.clusters.length,
  };
}
