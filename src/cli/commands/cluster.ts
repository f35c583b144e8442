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
        .option('missing-audio', { choices: ['skip', 'silence'] as const, default: 'skip' as const, describe: 'a video without audio: skip it, or use silence' }),
    ) as unknown as Argv<ClusterArgs>,
  handler: async (a) => {
    const { runCluster } = await import('../../train/run-cluster.js');
    const summary = await runCluster({
      videos: a.videos,
      out: a.out,
      train: trainConfigFrom(a, parseModalities(a.modalities)),
      decode: { frames: a.frames, size: a.size, clipSeconds: a['clip-seconds'], melBins: a['mel-bins'], hopMs: a['hop-ms'], missingAudio: a['missing-audio'] },
      truth: a.truth,
      truthFormat: a['truth-format'],
      nuisance: a.nuisance,
      resume: a.resume,
      backend: a.backend,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.interrupted) process.exitCode = 130;
  },
};
