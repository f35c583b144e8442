/**
 * `selavi assign VIDEOS --out FILE.csv` with a trained run (`--run RUN`) or a released SeLaVi
 * model (`--weights FILE.pth`): label videos without training.
 */
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { positiveInt } from '../train-flags.js';
import { backendOption, decodeJobsOption, deviceOption, runOutputOf, truthFormatOption, withProgressFlags, withReportFlag, type ProgressFlags } from '../shared-flags.js';

interface AssignArgs extends ProgressFlags {
  report: boolean;
  videos: string;
  run?: string;
  weights?: string;
  out: string;
  head: string;
  truth?: string;
  'truth-format': string;
  export?: string;
  znorm: boolean;
  'batch-size': number;
  'decode-jobs'?: number;
  backend?: string;
  device?: string;
  shard?: string;
}

/** `--head auto` or a whole number. */
function parseHead(text: string): number | 'auto' {
  if (text === 'auto') return 'auto';
  const h = Number(text);
  if (!Number.isInteger(h) || h < 0) throw new ConfigError(`--head must be auto or a head index >= 0, got ${JSON.stringify(text)}`);
  return h;
}

export const assignCommand: CommandModule<object, AssignArgs> = {
  command: 'assign <videos>',
  describe: 'Label videos without training: with a trained run (--run) or a released SeLaVi model (--weights)',
  builder: (y: Argv) =>
    withReportFlag(withProgressFlags(y), 'a report beside the CSV (report.html for clusters.csv, else NAME.report.html)')
      .positional('videos', { type: 'string', demandOption: true, describe: 'folder of videos or one file' })
      .option('run', { type: 'string', describe: 'a finished `selavi cluster` run folder' })
      .option('weights', { type: 'string', describe: 'a released SeLaVi checkpoint (selavi_vgg_sound.pth, ...; legacy or zip, optionally .gz): clips decoded as the official code does' })
      .option('out', { type: 'string', describe: 'CSV to write: path,cluster,confidence[,head0,...]; with --weights, metrics.json and skipped.csv go beside it (required, except with --shard)' })
      .option('shard', { type: 'string', describe: 'with --weights --export DIR: run part i of n (0-based; auto/n: i from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX) of the sorted video list into DIR/shard-IIII-of-NNNN; `selavi merge DIR --out CSV` then writes the whole export and the clusters' })
      .option('head', { type: 'string', default: 'auto', describe: 'with --weights: the head that answers, or auto (the head that agrees most with the others; never chosen by truth)' })
      .option('truth', { type: 'string', describe: 'with --weights: ground truth for metrics.json (every head\'s NMI; reporting only)' })
      .option('truth-format', truthFormatOption())
      .option('export', { type: 'string', describe: 'with --weights: folder for items.csv, features-video.npy, features-audio.npy, logits-head{h}.npy' })
      .option('znorm', { type: 'boolean', default: true, describe: 'with --weights: z-normalise spectrograms ((x - 1.93) / 17.89) as the released models were trained (--no-znorm: raw)' })
      .option('batch-size', { type: 'number', default: 4, describe: 'with --weights: clips per forward pass' })
      .option('device', deviceOption())
      .option('decode-jobs', decodeJobsOption())
      .option('backend', backendOption('tensor backend of a --run model and of --device wasm (default: env SELAVI_BACKEND, else auto: webgpu on a GPU adapter, then node-gpu, node, wasm, cpu, the first that loads)'))
      .check((a) => {
        if (!a.run === !a.weights) throw new ConfigError('give one of --run RUN (a trained run) or --weights FILE.pth (a released model)');
        if (a.shard !== undefined && (!a.weights || a.export === undefined)) throw new ConfigError('--shard goes with --weights and --export DIR (each task writes its part of the export; selavi merge DIR joins them)');
        if (a.shard === undefined && a.out === undefined) throw new ConfigError('--out CSV is required (the clusters to write)');
        if (a.run) {
          for (const flag of ['truth', 'export'] as const) if (a[flag] !== undefined) throw new ConfigError(`--${flag} goes with --weights (with --run, use selavi eval on the CSV)`);
        }
        return true;
      })
      .example('$0 assign clips/ --weights selavi_vgg_sound.pth --out runs/vgg/clusters.csv --truth vggsound.csv', 'a released model on your clips, scored against VGG-Sound labels')
      .example('$0 assign clips/ --weights selavi_vgg_sound.pth --out runs/vgg/clusters.csv --device cuda', 'the same on an NVIDIA GPU (onnxruntime\'s CUDA provider, README says how to install it)')
      .example('$0 assign more/ --run runs/mine --out more.csv', 'label new videos with a trained run') as unknown as Argv<AssignArgs>,
  handler: async (a) => {
    const decodeJobs = a['decode-jobs'] === undefined ? undefined : positiveInt('decode-jobs', a['decode-jobs']);
    if (a.weights && a.shard !== undefined) {
      const { runReleasedAssignShard } = await import('../../pipeline/assign-released.js');
      const { parseShard } = await import('../../data/cache.js');
      const summary = await runReleasedAssignShard({
        videos: a.videos,
        weights: a.weights,
        out: '',
        head: 'auto',
        zNormalize: a.znorm,
        exportDir: a.export,
        batchSize: positiveInt('batch-size', a['batch-size']),
        decodeJobs,
        backend: a.backend,
        device: a.device,
        shard: parseShard(a.shard),
        ...runOutputOf(a),
      });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    if (a.weights) {
      const { runReleasedAssign } = await import('../../pipeline/assign-released.js');
      const summary = await runReleasedAssign({
        videos: a.videos,
        weights: a.weights,
        out: a.out!,
        head: parseHead(a.head),
        zNormalize: a.znorm,
        truth: a.truth,
        truthFormat: a['truth-format'],
        exportDir: a.export,
        batchSize: positiveInt('batch-size', a['batch-size']),
        decodeJobs,
        backend: a.backend,
        device: a.device,
        ...runOutputOf(a),
      });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    const { isReleasedRun, runAssignReleasedRun } = await import('../../pipeline/cluster-released.js');
    if (isReleasedRun(a.run!)) {
      process.stdout.write(`${JSON.stringify(await runAssignReleasedRun({ run: a.run!, videos: a.videos, out: a.out!, backend: a.backend, device: a.device, decodeJobs, ...runOutputOf(a) }))}\n`);
      return;
    }
    for (const flag of ['device', 'decode-jobs'] as const) {
      if (a[flag] !== undefined) throw new ConfigError(`--${flag} goes with --weights, or a --run made by cluster --init (${a.run} was trained from scratch: --backend chooses its engine)`);
    }
    const { runAssign } = await import('../../pipeline/assign.js');
    process.stdout.write(`${JSON.stringify(await runAssign({ run: a.run!, videos: a.videos, out: a.out!, backend: a.backend, ...runOutputOf(a) }))}\n`);
  },
};
