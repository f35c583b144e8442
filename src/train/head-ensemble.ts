/**
 * The run's answer from all its heads of the answer's size at once. Each head was trained on its own
 * equal-size labels from another random start, so their clusters match up to a permutation: each
 * head's clusters are matched to the chosen head's (Hungarian on the overlap of their argmaxes), its
 * log-probabilities permuted accordingly, summed over heads, and each item goes to the argmax.
 *
 * Why an argmax and not the equal-size Sinkhorn labels training uses: on the medium AV-digits runs
 * (six runs, four datasets) the equal-size answer was below the argmax of the same scores in every
 * run (mean NMI 0.473 vs 0.496), and the heads' sum above one head (0.512): equal sizes are the
 * constraint that keeps training from collapsing, not a property of the answer. No truth is involved.
 */
import { hungarian } from '../eval/hungarian.js';
import { combineLogProbs } from '../sinkhorn/combine.js';
import { argmaxRows } from '../util/argmax-rows.js';

/** What a run answers with: the members' permutations onto the reference head's clusters. */
export interface HeadEnsemble {
  /** The heads summed, the reference (the chosen head) first. */
  heads: number[];
  /** Per member (same order as `heads`): `permutation[j]` is the reference cluster of its cluster j. */
  permutations: number[][];
}

/**
 * The permutation that maps `labels`' clusters onto `reference`'s with the most items in common.
 * @example matchClusterNumbers(Int32Array.of(1, 1, 0), Int32Array.of(0, 0, 1), 2) // [1, 0]
 */
export function matchClusterNumbers(labels: Int32Array, reference: Int32Array, k: number): number[] {
  if (labels.length !== reference.length) throw new RangeError(`${labels.length} labels against ${reference.length} reference labels`);
  const overlap = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) overlap[labels[i]][reference[i]]++;
  return Array.from(hungarian(overlap, { maximize: true }).rowToCol);
}

/** The ensemble of one head: that head's own answer (a model saved before ensembles). */
export function singleHeadEnsemble(head: number, k: number): HeadEnsemble {
  return { heads: [head], permutations: [identity(k)] };
}

function identity(k: number): number[] {
  return Array.from({ length: k }, (_, j) => j);
}

/**
 * Builds the ensemble of `heads` (indices into `scores`, each [N, k] log-probabilities, all of the same
 * k) around `reference`: every member's argmax clusters matched onto the reference's.
 */
export function buildHeadEnsemble(scores: readonly Float32Array[], heads: readonly number[], reference: number, n: number, k: number): HeadEnsemble {
  const members = [reference, ...heads.filter((h) => h !== reference)];
  const ref = argmaxRows(scores[reference], n, k);
  const permutations = members.map((h) => (h === reference ? identity(k) : matchClusterNumbers(argmaxRows(scores[h], n, k), ref, k)));
  return { heads: members, permutations };
}

/**
 * The ensemble's answer for `scores` (per head [N, k] log-probabilities): each item's cluster (in the
 * reference head's numbering) and the renormalised probability of that cluster under the summed scores.
 */
export function ensembleAnswer(scores: readonly Float32Array[], ensemble: HeadEnsemble, n: number, k: number): { labels: Int32Array; confidence: Float32Array } {
  const sum = new Float32Array(n * k);
  ensemble.heads.forEach((h, m) => {
    const s = scores[h];
    if (s.length !== n * k) throw new RangeError(`head ${h} has ${s.length} scores, expected ${n} x ${k}`);
    const perm = ensemble.permutations[m];
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) sum[i * k + perm[j]] += s[i * k + j];
  });
  const labels = argmaxRows(sum, n, k);
  const logp = combineLogProbs([sum], n, k); // renormalised per item
  return { labels, confidence: Float32Array.from(labels, (l, i) => Math.exp(logp[i * k + l])) };
}
