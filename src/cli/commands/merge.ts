/** `selavi merge DIR`: merge the shards of a split clip cache once every decode task is done. */
import type { Argv, CommandModule } from 'yargs';

interface MergeArgs {
  cache: string;
  json: boolean;
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <cache>',
  describe: 'Merge the shards of a clip cache decoded in parts (selavi decode --shard i/n): checks every shard is done and decoded alike, then writes index.json and skipped.csv',
  builder: (y: Argv) =>
    y
      .positional('cache', { type: 'string', demandOption: true, describe: 'the --out folder of the decode tasks' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON line' })
      .example('$0 merge /data/cache', 'after the tasks of `selavi decode VIDEOS --out /data/cache --shard i/64` are done') as unknown as Argv<MergeArgs>,
  handler: async (argv) => {
    const { mergeCache } = await import('../../data/merge-cache.js');
    const s = await mergeCache(argv.cache);
    process.stdout.write(argv.json ? `${JSON.stringify(s)}\n` : `merged ${s.shards} shards of ${s.out}: ${s.clips} clips from ${s.videos} files, ${s.skipped} skipped; ${s.index}\n`);
  },
};
