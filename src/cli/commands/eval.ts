/**
 * `selavi eval CLUSTERS.csv --truth LABELS [--format auto|csv|vggsound|kinetics|ave]`: scores a
 * clustering against ground-truth labels and prints one JSON object on stdout; caveats (excluded
 * or unmatched rows) go to stderr, one line each.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

/** Parsed flags of `selavi eval`. */
export interface EvalArgs {
  clusters: string;
  truth: string;
  format: string;
}

/**
 * The yargs command module; the lead registers it in `commands/index.ts`.
 * @example yargs(['eval', 'clusters.csv', '--truth', 'test.csv']).command(evalCommand).parseAsync()
 */
export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval <clusters>',
  describe: 'Score clusters against ground-truth labels: NMI, AMI, ARI, accuracy, purity, entropy (JSON on stdout)',
  builder: (yargs: Argv<object>): Argv<EvalArgs> =>
    yargs
      .positional('clusters', {
        type: 'string',
        demandOption: true,
        describe: 'CSV with a header naming at least `path,cluster`',
      })
      .option('truth', {
        type: 'string',
        demandOption: true,
        describe: 'ground-truth labels: CSV `path,label`, a VGG-Sound or Kinetics list, or AVE Annotations.txt',
      })
      // A plain string, checked by the reader: an unknown value is an InputError naming the file.
      .option('format', {
        type: 'string',
        default: 'auto',
        describe: 'truth format: auto | csv | vggsound | kinetics | ave',
      })
      .example('$0 eval runs/mine/clusters.csv --truth labels.csv', 'score against a CSV path,label')
      .example('$0 eval runs/ave/clusters.csv --truth Annotations.txt --format ave', 'against AVE\'s annotation file') as Argv<EvalArgs>,
  handler: async (argv: ArgumentsCamelCase<EvalArgs>): Promise<void> => {
    const { runEval, reportNotes } = await import('../../eval/run-eval.js');
    const report = await runEval({ clusters: argv.clusters, truth: argv.truth, format: argv.format });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    for (const note of reportNotes(report)) process.stderr.write(`selavi eval: ${note}\n`);
  },
};
