/**
 * `selavi report --run RUN [--out FILE]`: the HTML gallery of a run's clusters (also written at
 * the end of every `cluster`, `sela` and `assign` run). The handler loads the report lazily.
 */
import type { Argv, CommandModule } from 'yargs';
import { progressModeOf, sayFor } from '../../report/progress.js';
import { truthFormatOption, withProgressFlags, type ProgressFlags } from '../shared-flags.js';

interface ReportArgs extends ProgressFlags {
  run: string;
  out?: string;
  truth?: string;
  'truth-format': string;
  nuisance?: string;
  'per-card': number;
  jobs?: number;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: 'Write the HTML gallery of a run: every cluster a card of its members (3 frames, audio, confidence), sortable and filterable',
  builder: (y: Argv) =>
    withProgressFlags(
      y
        .option('run', { type: 'string', demandOption: true, describe: 'a run folder (holding clusters.csv), or a clusters CSV (e.g. what `selavi assign --out` wrote)' })
        .option('out', { type: 'string', describe: 'the page to write (default: RUN/report.html; beside another CSV, NAME.report.html); media go in a folder beside it, REPORT-media/' })
        .option('truth', { type: 'string', describe: 'ground truth to show (majority label and purity per cluster); default: the --truth the run was given' })
        .option('truth-format', truthFormatOption())
        .option('nuisance', { type: 'string', describe: 'JSONL of nuisance attributes per file, to show each cluster\'s most over-represented values; default: the run\'s --nuisance' })
        .option('per-card', { type: 'number', default: 48, describe: 'members on a card; a larger cluster shows a sample: half its most confident members, half drawn at random' })
        .option('jobs', { type: 'number', describe: 'ffmpeg processes making the frame strips and audio (default: cores)' })
        .example('$0 report --run runs/demo', 'writes runs/demo/report.html and runs/demo/report-media/')
        .example('$0 report --run more.csv --truth labels.csv', 'the gallery of an `assign --out more.csv`, with labels'),
    ) as unknown as Argv<ReportArgs>,
  handler: async (a) => {
    const { writeReport } = await import('../../report/write-report.js');
    const progress = progressModeOf(a);
    const summary = await writeReport({
      run: a.run,
      out: a.out,
      truth: a.truth,
      truthFormat: a.truth ? a['truth-format'] : undefined,
      nuisance: a.nuisance,
      perCard: a['per-card'],
      concurrency: a.jobs,
      progress,
      say: sayFor(progress),
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  },
};
