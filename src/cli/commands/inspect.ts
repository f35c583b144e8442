/** `selavi inspect FILE.pth`: what a released SeLaVi checkpoint holds, as JSON. */
import type { Argv, CommandModule } from 'yargs';

interface InspectArgs {
  file: string;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <file>',
  describe: 'Describe a released SeLaVi checkpoint (.pth, legacy or zip, optionally .gz): format, architecture, heads, K, epoch, parameters',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'PyTorch checkpoint, e.g. selavi_vgg_sound.pth' })
      .example('$0 inspect selavi_vgg_sound.pth', 'prints JSON: { "format": "legacy", "heads": 10, "k": [309, ...], ... }') as unknown as Argv<InspectArgs>,
  handler: async (a) => {
    const { readReleasedCheckpoint } = await import('../../models/official/released-checkpoint.js');
    const { info } = await readReleasedCheckpoint(a.file);
    process.stdout.write(`${JSON.stringify(info, null, 1)}\n`);
  },
};
