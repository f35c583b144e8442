/**
 * `selavi eval` without the command line: read the clusters and truth files, then score.
 * The CLI imports this module lazily.
 */
import { evaluate, type EvalReport } from './evaluate.js';
import { readClusters } from './read-clusters.js';
import { readTruth } from './read-truth.js';

export interface RunEvalOptions {
  /** Path of the clusters CSV (`path,cluster`, other columns allowed). */
  clusters: string;
  /** Path of the truth file. */
  truth: string;
  /** `auto` (default), `csv`, `vggsound`, `kinetics` or `ave`. */
  format?: string;
}

/**
 * Reads both files and evaluates. Every problem with the input is an `InputError` naming its file.
 * @example const report = await runEval({ clusters: 'out/clusters.csv', truth: 'vggsound/test.csv' });
 */
export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
  // Truth first: an unknown --format fails before the clusters file is read.
  const truth = await readTruth(options.truth, { format: options.format ?? 'auto' });
  const clusters = await readClusters(options.clusters);
  return evaluate(clusters, truth);
}

/**
 * One line per caveat worth reading on stderr: excluded and unmatched rows.
 * @example reportNotes(report) // ['truth clips with conflicting labels: 45, excluded from scoring (45 clusters rows not scored)', ...]
 */
export function reportNotes(report: EvalReport): string[] {
  const notes: string[] = [];
  if (report.ambiguous > 0) {
    notes.push(
      `truth clips with conflicting labels: ${report.ambiguous}, excluded from scoring (${report.excluded_ambiguous} clusters rows not scored)`,
    );
  }
  if (report.unmatched_clusters > 0) notes.push(`clusters rows without a truth label: ${report.unmatched_clusters} of ${report.n}, not scored`);
  if (report.unresolved > 0) notes.push(`clusters rows fitting several truth clips: ${report.unresolved}, not scored`);
  if (report.unmatched_truth > 0) notes.push(`truth clips missing from the clusters file: ${report.unmatched_truth}`);
  return notes;
}
