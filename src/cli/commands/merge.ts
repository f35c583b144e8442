/**
 * `selavi merge DIR`: join what the tasks of a split job wrote, once every task is done: a clip
 * cache decoded in parts (`selavi decode --shard i/n`), or the export of the released network's
 * pass run in parts (`selavi assign --weights --export DIR --shard i/n`, which also gives the
 * clusters CSV).
 */
import type { Argv, CommandModule } from 'yargs';

interface MergeArgs {
  dir: string;
  out?: string;
  json: boolean;
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <dir>',
  describe: 'Join the shards of a split job once every task is done: a clip cache (decode --shard) or a released-model export (assign --weights --export --shard); checks every shard is done and made alike',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'the --out folder of the decode tasks, or the --export folder of the assign tasks' })
      .option('out', { type: 'string', describe: 'export shards: the clusters CSV to write (default DIR/clusters.csv)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON line' })
      .example('$0 merge /data/cache', 'after the tasks of `selavi decode VIDEOS --out /data/cache --shard i/64` are done')
      .example('$0 merge /data/export --out runs/vgg/clusters.csv', 'after `selavi assign VIDEOS --weights W --export /data/export --shard i/64`') as unknown as Argv<MergeArgs>,
  handler: async (argv) => {
    const path = await import('node:path');
    const { holdsExportShards, mergeExportShards } = await import('../../pipeline/export-shards.js');
    if (holdsExportShards(argv.dir)) {
      const s = await mergeExportShards(argv.dir, argv.out ?? path.join(argv.dir, 'clusters.csv'));
      process.stdout.write(argv.json ? `${JSON.stringify(s)}\n` : `merged ${s.shards} shards of ${s.out}: ${s.clips} clips, ${s.skipped} skipped; clusters (head ${s.head}, ${s.head_rule}) in ${s.clusters}\n`);
      return;
    }
    const { mergeCache } = await import('../../data/merge-cache.js');
    const s = await mergeCache(argv.dir);
    process.stdout.write(argv.json ? `${JSON.stringify(s)}\n` : `merged ${s.shards} shards of ${s.out}: ${s.clips} clips from ${s.videos} files, ${s.skipped} skipped; ${s.index}\n`);
  },
};
