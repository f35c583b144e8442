/** `selavi assign --run RUN VIDEOS --out FILE.csv`: label new videos with a trained run. */
import type { Argv, CommandModule } from 'yargs';

interface AssignArgs {
  videos: string;
  run: string;
  out: string;
  backend?: string;
}

export const assignCommand: CommandModule<object, AssignArgs> = {
  command: 'assign <videos>',
  describe: 'Label new videos with a trained run (argmax of the chosen head, no retraining)',
  builder: (y: Argv) =>
    y
      .positional('videos', { type: 'string', demandOption: true, describe: 'folder of videos or one file' })
      .option('run', { type: 'string', demandOption: true, describe: 'a finished `selavi cluster` run folder' })
      .option('out', { type: 'string', demandOption: true, describe: 'CSV to write: path,cluster,confidence' })
      .option('backend', { type: 'string', describe: 'tensor backend: auto|tensorflow|wasm|cpu' }) as unknown as Argv<AssignArgs>,
  handler: async (a) => {
    const { runAssign } = await import('../../train/assign.js');
    process.stdout.write(`${JSON.stringify(await runAssign({ run: a.run, videos: a.videos, out: a.out, backend: a.backend }))}\n`);
  },
};
