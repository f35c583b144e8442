/** `selavi sinkhorn LOGITS.npy --out LABELS.npy`: solve one label assignment from saved scores. */
import type { Argv, CommandModule } from 'yargs';

interface SinkhornArgs {
  logits: string;
  out: string;
  lambda: number;
  tol: number;
  stop: 'marginal' | 'sela';
  'max-iters': number;
  prior: 'uniform' | 'gauss';
  sd: number;
  seed: number;
}

export const sinkhornCommand: CommandModule<object, SinkhornArgs> = {
  command: 'sinkhorn <logits>',
  describe: 'Solve the equal-partition label assignment (Sinkhorn-Knopp) for an N x K .npy of scores',
  builder: (y: Argv) =>
    y
      .positional('logits', { type: 'string', demandOption: true, describe: 'N x K float32/float64 .npy (log-probabilities or logits), C order' })
      .option('out', { type: 'string', demandOption: true, describe: 'where to write the int32 labels (.npy, N)' })
      .option('lambda', { type: 'number', default: 20, describe: 'λ: the solve uses P^λ (SeLa uses 20–25)' })
      .option('tol', { type: 'number', default: 1e-3, describe: 'stop when clusters are this far (relative, mean over clusters) from their target sizes' })
      .option('stop', { choices: ['marginal', 'sela'] as const, default: 'marginal' as const, describe: "stopping rule: marginal (--tol), or SeLa's released code's (the item scalings change by at most 0.1 in sum, tested every 10th iteration)" })
      .option('max-iters', { type: 'number', default: 1000, describe: 'iteration cap' })
      .option('prior', { choices: ['uniform', 'gauss'] as const, default: 'uniform' as const, describe: 'cluster-size prior: equal sizes, or Gaussian sizes around N/K matched to the current cluster masses' })
      .option('sd', { type: 'number', default: 0.1, describe: 'relative sd of the Gaussian prior sizes' })
      .option('seed', { type: 'number', default: 0, describe: 'seed for the Gaussian prior draw' })
      .example('$0 sinkhorn logits.npy --out labels.npy', 'equal-size clusters from an N x K array of scores')
      .example('$0 sinkhorn logits.npy --out labels.npy --stop sela', "stop where SeLa's own code stops")
      .example('$0 sinkhorn logits.npy --out labels.npy --prior gauss --sd 0.2', 'cluster sizes drawn around N/K instead of equal') as unknown as Argv<SinkhornArgs>,
  handler: async (args) => {
    const { runSinkhornCommand } = await import('../../sinkhorn/run-sinkhorn.js');
    const summary = runSinkhornCommand({
      logits: args.logits,
      out: args.out,
      lambda: args.lambda,
      tol: args.tol,
      stop: args.stop,
      maxIters: args['max-iters'],
      prior: args.prior,
      sd: args.sd,
      seed: args.seed,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  },
};
