/**
 * Scores a clustering against ground truth: matches the rows, then computes every metric on the
 * matched rows, and reports what could not be scored and why.
 */
import { InputError } from '../errors.js';
import { matchClusters } from './match-clusters.js';
import type { ClusterTable } from './read-clusters.js';
import { scoreLabels, type LabelScores } from './score-labels.js';
import type { TruthTable } from './read-truth.js';

/**
 * The result of `selavi eval`, printed as one JSON object in this key order. Every clusters row
 * is in exactly one of matched / unmatched_clusters / excluded_ambiguous / unresolved.
 */
export interface EvalReport extends LabelScores {
  /** Rows in the clusters file. */
  n: number;
  /** Rows scored: paired with a truth clip that has one label. */
  matched: number;
  /** Clusters rows with no truth clip. */
  unmatched_clusters: number;
  /** Truth clips (with one label) that no clusters row matched. */
  unmatched_truth: number;
  /** Truth clips given conflicting labels: excluded from scoring. */
  ambiguous: number;
  /** Clusters rows that matched an ambiguous clip, so were not scored. */
  excluded_ambiguous: number;
  /** Clusters rows whose name fits several truth clips, so were not scored. */
  unresolved: number;
  /** Truth rows repeating a clip with the same label (merged). */
  duplicate_truth_rows: number;
  /** How the scored and excluded rows were matched. */
  matched_by: { path: number; basename: number; youtube: number };
  /** Truth format and layout used (detected with `--format auto`). */
  format: string;
  layout: string;
}

/**
 * Matches `clusters` to `truth` and scores the matched rows. Throws `InputError` naming the
 * clusters file when no row matches, with an example of each side's names.
 * @example
 * const report = evaluate(await readClusters('clusters.csv'), await readTruth('test.csv'));
 * // { n: 15446, matched: 15446, nmi: 0.42, ... , format: 'vggsound', layout: 'vggsound-split' }
 */
export function evaluate(clusters: ClusterTable, truth: TruthTable): EvalReport {
  const m = matchClusters(clusters, truth);
  if (m.matched === 0) {
    const example = truth.clips[0] ?? truth.ambiguousClips[0];
    const truthName = example?.path ?? (example?.start !== undefined ? `${example.id} at ${example.start}s` : example?.id);
    const why = [
      m.excludedAmbiguous > 0 ? `${m.excludedAmbiguous} matched clips with conflicting labels` : '',
      m.unresolved > 0 ? `${m.unresolved} fit several clips` : '',
    ].filter(Boolean).join(', ');
    throw new InputError(
      clusters.file,
      `no row matches a labelled clip of ${truth.file} (${truth.layout})${why ? ` (${why})` : ''}: ` +
        `e.g. path ${JSON.stringify(clusters.paths[0])} vs truth ${JSON.stringify(truthName)}`,
    );
  }
  const labelCode = new Map<string, number>();
  const truthLabels = new Int32Array(m.matched);
  const predLabels = new Int32Array(m.matched);
  let k = 0;
  m.truthIndex.forEach((t, row) => {
    if (t < 0) return;
    const label = truth.clips[t].label;
    if (!labelCode.has(label)) labelCode.set(label, labelCode.size);
    truthLabels[k] = labelCode.get(label)!;
    predLabels[k] = clusters.clusters[row];
    k += 1;
  });
  const scores = scoreLabels(truthLabels, predLabels);
  return {
    n: clusters.paths.length,
    matched: m.matched,
    nmi: scores.nmi,
    ami: scores.ami,
    ari: scores.ari,
    accuracy: scores.accuracy,
    purity: scores.purity,
    entropy: scores.entropy,
    unmatched_clusters: m.unmatchedClusters,
    unmatched_truth: m.unmatchedTruth,
    ambiguous: truth.ambiguousClips.length,
    excluded_ambiguous: m.excludedAmbiguous,
    unresolved: m.unresolved,
    duplicate_truth_rows: truth.duplicates,
    classes: scores.classes,
    clusters: scores.clusters,
    matched_by: m.matchedBy,
    format: truth.format,
    layout: truth.layout,
  };
}
