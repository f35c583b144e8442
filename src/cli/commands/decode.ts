/**
 * `selavi decode VIDEOS --out CACHE`: decode a video folder into a clip cache for training.
 * The handler loads the decoding modules lazily so `selavi --help` stays fast.
 */
import type { Argv, CommandModule } from 'yargs';
import { progressModeOf } from '../../report/progress.js';
import { DEFAULT_DECODE } from '../../media/decode-options.js';
import { clipOptionsFrom, withClipFlags, type ClipFlags } from '../clip-flags.js';

/** Flags of `selavi decode`. */
export interface DecodeArgs extends ClipFlags {
  videos: string;
  out: string;
  shard: string;
  fps?: number;
  'clips-per-video': number;
  'sample-rate': number;
  'win-ms': number;
  concurrency?: number;
  timeout: number;
  'memory-mb': number;
  'probe-timeout': number;
  json: boolean;
  quiet: boolean;
}

/** The `decode` command. */
export const decodeCommand: CommandModule<object, DecodeArgs> = {
  command: 'decode <videos>',
  describe: 'Decode a folder of videos into a clip cache (frames + log-mel spectrograms)',
  builder: (y: Argv<object>) =>
    withClipFlags(
      y
        .positional('videos', { type: 'string', demandOption: true, describe: 'Folder of videos (searched recursively) or one video file' })
        .option('out', { type: 'string', demandOption: true, describe: 'Cache directory (created; rerun skips complete shards); `selavi cluster --cache DIR` trains on it' })
        .option('shard', { type: 'string', default: '0/1', describe: 'Decode part i of n (0-based) of the sorted file list: run n processes to split the work, then `selavi merge`; auto/n takes i from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX' }),
    )
      .option('fps', { type: 'number', describe: 'Frame rate of the sampled frames (default: frames / clip-seconds)' })
      .option('clips-per-video', { type: 'number', default: 1, describe: 'Clips per video, centred on equal parts (1 = the middle)' })
      .option('sample-rate', { type: 'number', default: DEFAULT_DECODE.sampleRate, describe: 'Audio sample rate, Hz' })
      .option('win-ms', { type: 'number', default: DEFAULT_DECODE.winMs, describe: 'Spectrogram window, ms (Hann)' })
      .option('concurrency', { type: 'number', describe: 'Parallel ffmpeg processes (default: cores)' })
      .option('timeout', { type: 'number', default: 60, describe: 'Seconds before one clip decode is killed' })
      .option('memory-mb', { type: 'number', default: DEFAULT_DECODE.memoryMb, describe: 'Address space one ffmpeg child may use, MB (a file that needs more is skipped, naming the limit)' })
      .option('probe-timeout', { type: 'number', default: 20, describe: 'Seconds before one ffprobe is killed' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the summary as one JSON line, and progress as JSON lines on stderr' })
      .option('quiet', { type: 'boolean', default: false, describe: 'No progress on stderr' })
      .example('$0 decode ~/videos --out /data/cache', 'then: selavi cluster --cache /data/cache --out runs/mine')
      .example('$0 decode ~/videos --out /data/cache --shard 0/4', 'the first of 4 shards (run 0/4 .. 3/4 in parallel, on any machines)') as unknown as Argv<DecodeArgs>,
  handler: async (argv) => {
    const { buildCache, parseShard } = await import('../../data/cache.js');
    const { sayFor } = await import('../../report/progress.js');
    const summary = await buildCache({
      videos: argv.videos,
      out: argv.out,
      shard: parseShard(argv.shard),
      ...clipOptionsFrom(argv),
      fps: argv.fps,
      clipsPerVideo: argv['clips-per-video'],
      short: argv.short,
      sampleRate: argv['sample-rate'],
      winMs: argv['win-ms'],
      concurrency: argv.concurrency,
      timeoutMs: argv.timeout * 1000,
      memoryMb: argv['memory-mb'],
      probeTimeoutMs: argv['probe-timeout'] * 1000,
      progress: progressModeOf(argv),
      say: sayFor(progressModeOf(argv)),
    });
    if (argv.json) {
      process.stdout.write(JSON.stringify(summary) + '\n');
      return;
    }
    const part = summary.shard.count > 1 ? ` (shard ${summary.shard.index}/${summary.shard.count})` : '';
    if (summary.alreadyComplete) {
      process.stdout.write(`${summary.out}${part}: already complete, ${summary.clips} clips; nothing to do\n`);
    } else {
      process.stdout.write(
        `decoded ${summary.clips} clips from ${summary.videos} files into ${summary.out}${part} in ${summary.seconds.toFixed(1)}s` +
          ` (probed ${summary.probed}, reused ${summary.reused})\n`,
      );
    }
    if (summary.skipped.length) {
      const csv = summary.shard.count > 1 && !summary.mergedIndexFile ? 'the shard .skipped.csv' : 'skipped.csv';
      process.stdout.write(`skipped ${summary.skipped.length} files (see ${csv}):\n`);
      for (const s of summary.skipped.slice(0, 10)) process.stdout.write(`  ${s.path}: ${s.reason}\n`);
      if (summary.skipped.length > 10) process.stdout.write(`  ... and ${summary.skipped.length - 10} more\n`);
    }
    if (summary.shard.count > 1 && !summary.mergedIndexFile) {
      process.stdout.write(`when every shard is done: selavi merge ${summary.out}\n`);
    }
  },
};
