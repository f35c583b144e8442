/**
 * `selavi launch slurm|k8s VIDEOS CACHE --shards N --to DIR`: writes (never submits) the job files
 * that decode VIDEOS into CACHE as N scheduler tasks and merge the shards after them.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';

interface LaunchArgs {
  scheduler: 'slurm' | 'k8s';
  videos: string;
  out: string;
  shards: number;
  to: string;
  parallel?: number;
  cpus: number;
  'memory-mb': number;
  gpus: number;
  minutes: number;
  selavi: string;
  'decode-flags': string;
  name: string;
  image?: string;
  claim?: string;
  'mount-path': string;
  retries: number;
  job: 'decode' | 'assign';
  weights?: string;
}

export const launchCommand: CommandModule<object, LaunchArgs> = {
  command: 'launch <scheduler> <videos> <out>',
  describe: 'Write (not submit) the job files that decode a video folder (or run a released model over it: --job assign) as N Slurm array tasks or a Kubernetes Indexed Job, then merge the shards',
  builder: (y: Argv) =>
    y
      .positional('scheduler', { choices: ['slurm', 'k8s'] as const, demandOption: true, describe: 'slurm: sbatch array + afterok merge; k8s: Indexed Job + merge Job' })
      .positional('videos', { type: 'string', demandOption: true, describe: 'folder of videos, at the same path on every task (shared filesystem or volume)' })
      .positional('out', { type: 'string', demandOption: true, describe: 'the folder the tasks write into, shared the same way: the clip cache (decode), or the export (assign)' })
      .option('job', { choices: ['decode', 'assign'] as const, default: 'decode' as const, describe: 'decode: VIDEOS into the clip cache OUT; assign: the released network (--weights) over VIDEOS, its export and clusters into OUT' })
      .option('weights', { type: 'string', describe: 'with --job assign: the released checkpoint, at the same path on every task' })
      .option('shards', { type: 'number', demandOption: true, describe: 'tasks: the sorted file list is split in this many parts' })
      .option('to', { type: 'string', demandOption: true, describe: 'folder to write the job files into' })
      .option('parallel', { type: 'number', describe: 'tasks running at once (default: all)' })
      .option('cpus', { type: 'number', default: 4, describe: 'CPUs per task (also its decode --concurrency)' })
      .option('memory-mb', { type: 'number', default: 4096, describe: 'memory per task, MB' })
      .option('gpus', { type: 'number', default: 0, describe: 'GPUs per task (decode needs none)' })
      .option('minutes', { type: 'number', default: 240, describe: 'wall time per task, minutes' })
      .option('selavi', { type: 'string', default: 'selavi', describe: 'how a task runs selavi, e.g. "node /opt/selavi-ts/dist/cli/bin.js"' })
      .option('decode-flags', { type: 'string', default: '', describe: 'extra selavi decode flags for every task, given with =, e.g. --decode-flags="--frames 8 --size 64"' })
      .option('name', { type: 'string', default: 'selavi', describe: 'job name prefix' })
      .option('image', { type: 'string', describe: 'k8s: container image holding selavi and ffmpeg' })
      .option('claim', { type: 'string', describe: 'k8s: ReadWriteMany PersistentVolumeClaim holding the videos and the cache' })
      .option('mount-path', { type: 'string', default: '/data', describe: 'k8s: where the claim is mounted in every pod' })
      .option('retries', { type: 'number', default: 2, describe: 'k8s: retries per index (backoffLimitPerIndex); Slurm requeues a failed node\'s task' })
      .example('$0 launch slurm /shared/videos /shared/cache --shards 64 --parallel 16 --to jobs/', 'then: bash jobs/submit.sh')
      .example('$0 launch k8s /data/videos /data/cache --shards 64 --image ghcr.io/me/selavi:1 --claim videos --to k8s/', 'then: bash k8s/submit.sh') as unknown as Argv<LaunchArgs>,
  handler: async (a) => {
    const { kubernetesFiles, slurmFiles } = await import('../../pipeline/launch-scripts.js');
    const plan = {
      job: a.job,
      ...(a.weights !== undefined && { weights: a.weights }),
      videos: a.videos,
      cache: a.out,
      shards: a.shards,
      ...(a.parallel !== undefined && { parallel: a.parallel }),
      cpus: a.cpus,
      memoryMb: a['memory-mb'],
      gpus: a.gpus,
      minutes: a.minutes,
      selavi: a.selavi,
      decodeFlags: a['decode-flags'].split(/\s+/).filter(Boolean),
      name: a.name,
      ...(a.image !== undefined && { image: a.image }),
      ...(a.claim !== undefined && { claim: a.claim }),
      mountPath: a['mount-path'],
      retriesPerIndex: a.retries,
    };
    const files = a.scheduler === 'slurm' ? slurmFiles(plan) : kubernetesFiles(plan);
    mkdirSync(a.to, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(path.join(a.to, name), text);
      if (name.endsWith('.sh') || name.endsWith('.sbatch')) chmodSync(path.join(a.to, name), 0o755);
    }
    process.stdout.write(`wrote ${Object.keys(files).map((f) => path.join(a.to, f)).join(', ')}; submit with: bash ${path.join(a.to, 'submit.sh')}\n`);
  },
};
