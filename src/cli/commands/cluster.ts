/** `selavi cluster VIDEOS --out RUN`: self-label a video collection (SeLaVi). */
import type { Argv, CommandModule } from 'yargs';
import { parseModalities, trainConfigFrom, withTrainFlags, type TrainFlags } from '../train-flags.js';

interface ClusterArgs extends TrainFlags {
  videos: string;
  modalities: string;
  frames: number;
  size: number;
  'clip-seconds': number;
  'mel-bins': number;
  'hop-ms': number;
  'missing-audio': 'skip' | 'silence';
  init?: string;
}

export const clusterCommand: CommandModule<object, ClusterArgs> = {
  command: 'cluster <videos>',
  describe: 'Cluster a folder of videos by self-labelling (audio + video); writes RUN/clusters.csv',
  builder: (y: Argv) =>
    withTrainFlags(
      y
        .positional('videos', { type: 'string', demandOption: true, describe: 'folder of videos (any nesting, any container ffmpeg reads) or one file' })
        .option('modalities', { type: 'string', default: 'video,audio', describe: 'encoders to train: video,audio | video | audio' })
        .option('frames', { type: 'number', default: 4, describe: 'frames per clip' })
        .option('size', { type: 'number', default: 32, describe: 'frame side in pixels (short side scaled, centre crop)' })
        .option('clip-seconds', { type: 'number', default: 2, describe: 'clip span, seconds (one clip from the middle of each video)' })
        .option('mel-bins', { type: 'number', default: 40, describe: 'log-mel bins' })
        .option('hop-ms', { type: 'number', default: 20, describe: 'spectrogram hop, ms (window 25 ms)' })
        .option('missing-audio', { choices: ['skip', 'silence'] as const, default: 'skip' as const, describe: 'a video without audio: skip it, or use silence' })
        .option('init', { type: 'string', describe: 'start from a released SeLaVi model (.pth): its frozen encoders give each clip\'s features (decoded as the official code does; --frames/--size/--clip-seconds/--mel-bins/--hop-ms/--width do not apply), and heads are trained on them, starting from the released heads when --k equals their K' })
        .example('$0 cluster ~/videos --out runs/mine --k 20', 'from scratch')
        .example('$0 cluster ~/videos --out runs/vgg --init selavi_vgg_sound.pth --k 309', 'continue from the released VGG-Sound model'),
    ) as unknown as Argv<ClusterArgs>,
  handler: async (a) => {
    if (a.init) {
      const { runClusterReleased } = await import('../../pipeline/cluster-released.js');
      const summary = await runClusterReleased({
        videos: a.videos,
        init: a.init,
        out: a.out,
        train: trainConfigFrom(a, parseModalities(a.modalities)),
        truth: a.truth,
        truthFormat: a['truth-format'],
        nuisance: a.nuisance,
        resume: a.resume,
        exportDir: a.export,
        backend: a.backend,
      });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (summary.interrupted) process.exitCode = 130;
      return;
    }
    const { runCluster } = await import('../../pipeline/run-cluster.js');
    const summary = await runCluster({
      videos: a.videos,
      out: a.out,
      train: trainConfigFrom(a, parseModalities(a.modalities)),
      decode: { frames: a.frames, size: a.size, clipSeconds: a['clip-seconds'], melBins: a['mel-bins'], hopMs: a['hop-ms'], missingAudio: a['missing-audio'] },
      truth: a.truth,
      truthFormat: a['truth-format'],
      nuisance: a.nuisance,
      resume: a.resume,
      exportDir: a.export,
      backend: a.backend,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.interrupted) process.exitCode = 130;
  },
};
