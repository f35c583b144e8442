/** `selavi cluster VIDEOS --out RUN` or `selavi cluster --cache DIR --out RUN`: self-label a video collection (SeLaVi). */
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { clipOptionsFrom, withClipFlags, type ClipFlags } from '../clip-flags.js';
import { parseModalities, positiveInt, recipeCandidatesFrom, recipeFallbackFrom, runOptionsFrom, withTrainFlags, type TrainFlags } from '../train-flags.js';
import { decodeJobsOption, deviceOption } from '../shared-flags.js';

interface ClusterArgs extends TrainFlags, ClipFlags {
  videos?: string;
  cache?: string;
  modalities: string;
  features?: string;
  init?: string;
  device?: string;
  'decode-jobs'?: number;
}

export const clusterCommand: CommandModule<object, ClusterArgs> = {
  command: 'cluster [videos]',
  describe: 'Cluster a folder of videos by self-labelling (audio + video); writes RUN/clusters.csv',
  builder: (y: Argv) =>
    withTrainFlags(
      withClipFlags(
        y
          .positional('videos', { type: 'string', describe: 'folder of videos (any nesting, any container ffmpeg reads) or one file; not needed with a decoded --cache' })
          .option('cache', { type: 'string', describe: 'clip cache to train on: one built by `selavi decode --out DIR` (sharded or not; every shard must be done) is used as it is, without decoding; an empty or new folder is decoded into (default: RUN/cache)' })
          .option('modalities', { type: 'string', default: 'video,audio', describe: 'encoders to train: video,audio | video | audio' }),
      )
        .option('init', { type: 'string', describe: 'start from a released SeLaVi model (.pth): its frozen encoders give each clip\'s features (decoded as the official code does; --frames, --size, --clip-seconds, --mel-bins, --hop-ms, --width, --grey and --video-view do not apply), and heads are trained on them, starting from the released heads when --k equals their K' })
        .option('features', { type: 'string', describe: 'with --init: the released encoders\' features already computed, a merged export of `selavi assign VIDEOS --weights <the same .pth> --export DIR --shard i/n` (`selavi merge DIR`), instead of a pass here' })
        .option('device', deviceOption('with --init: engine of the released encoders\' pass (default: env SELAVI_DEVICE, else auto: onnxruntime with CUDA where installed, else its CPU provider; cpu | webgpu | cuda or exit 2; wasm = TensorFlow.js)'))
        .option('decode-jobs', decodeJobsOption('with --init: clips decoded at once while the released encoders run (default: 1 beside the CPU provider, which needs every core; one per core beside a GPU)'))
        .example('$0 cluster ~/videos --out runs/mine --k 20', 'from scratch')
        .example('$0 cluster --cache /data/cache --out runs/big --k 50', 'on a cache built by `selavi decode` (e.g. `make decode JOBS=8`)')
        .example('$0 cluster ~/videos --out runs/vgg --init selavi_vgg_sound.pth --k 309', 'continue from the released VGG-Sound model')
        .check((a) => {
          if (a.videos === undefined && a.cache === undefined && a.features === undefined) throw new ConfigError('give a folder of videos, or --cache DIR (a cache built by selavi decode)');
          if (a.features !== undefined && !a.init) throw new ConfigError('--features goes with --init (the export of that released model, from assign --weights --export)');
          if (a.init && a.videos === undefined && a.features === undefined) throw new ConfigError('--init decodes the videos the official way: give the folder of videos (--cache does not apply), or --features DIR');
          if (a.init && a.cache !== undefined) throw new ConfigError('--cache does not apply with --init (the released encoders decode the videos the official way)');
          if (!a.init && a.device !== undefined) throw new ConfigError('--device goes with --init (the released encoders); training from scratch uses --backend');
          if (a['decode-jobs'] !== undefined) positiveInt('decode-jobs', a['decode-jobs']);
          return true;
        }),
    ) as unknown as Argv<ClusterArgs>,
  handler: async (a) => {
    if (a.init) {
      const { runClusterReleased } = await import('../../pipeline/cluster-released.js');
      const summary = await runClusterReleased({ videos: a.videos ?? '', init: a.init, ...(a.features !== undefined && { features: a.features }), device: a.device, decodeJobs: a['decode-jobs'], ...runOptionsFrom(a, parseModalities(a.modalities), true) });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (summary.interrupted) process.exitCode = 130;
      return;
    }
    const { runCluster } = await import('../../pipeline/run-cluster.js');
    const modalities = parseModalities(a.modalities);
    const summary = await runCluster({ videos: a.videos, cache: a.cache, decode: clipOptionsFrom(a), recipes: recipeCandidatesFrom(a, modalities), recipeFallback: recipeFallbackFrom(a), ...runOptionsFrom(a, modalities) });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.interrupted) process.exitCode = 130;
  },
};
