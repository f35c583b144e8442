/**
 * What `selavi launch slurm|k8s` writes (and never submits): the decode of a video folder into a
 * clip cache as N shard tasks, then one merge task after all of them succeeded.
 *
 * - Slurm: `decode.sbatch`, a job array (`--array=0-(N-1)%P`) whose tasks run
 *   `selavi decode VIDEOS --out CACHE --shard auto/N` (the index from SLURM_ARRAY_TASK_ID);
 *   `merge.sbatch`, `selavi merge CACHE`; `submit.sh`, which submits the array and the merge with
 *   `--dependency=afterok:ARRAY`.
 * - Kubernetes: `decode-job.json`, an Indexed Job (`completionMode: Indexed`, the index from
 *   JOB_COMPLETION_INDEX, retries per index with `backoffLimitPerIndex`, a failed pod replaced only
 *   once it is gone: `podReplacementPolicy: Failed`); `merge-job.json`; `submit.sh`, which applies
 *   the first, waits for it to complete and applies the second (Jobs have no dependencies).
 *   JSON is YAML: `kubectl apply -f` reads either.
 *
 * Every task must see VIDEOS and CACHE under the same paths (a shared filesystem, or on
 * Kubernetes one ReadWriteMany volume mounted at the same place); the cache keeps paths as given.
 * Pure functions: the files as strings.
 */
import { ConfigError } from '../errors.js';

/** One launch: the same for both schedulers where it applies. */
export interface LaunchPlan {
  /** `decode`: a clip cache; `assign`: the released network's export (features, logits) and clusters. */
  job?: 'decode' | 'assign';
  videos: string;
  /** The output folder: the cache (decode) or the export (assign). */
  cache: string;
  /** assign: the released checkpoint, at the same path on every task. */
  weights?: string;
  shards: number;
  /** Tasks at once (Slurm's `%P`, Kubernetes' `parallelism`). Default: all. */
  parallel?: number;
  cpus: number;
  /** Memory per task, MB. */
  memoryMb: number;
  gpus: number;
  /** Wall time per task, minutes (Slurm `--time`; Kubernetes `activeDeadlineSeconds` of the decode Job). */
  minutes: number;
  /** How a task runs selavi, e.g. `selavi` or `node /opt/selavi-ts/dist/cli/bin.js`. */
  selavi: string;
  /** Extra `selavi decode` flags (clip settings, timeouts), passed as they are. */
  decodeFlags: string[];
  /** Job name. */
  name: string;
  /** Kubernetes: the container image holding selavi and ffmpeg. */
  image?: string;
  /** Kubernetes: the ReadWriteMany volume claim holding VIDEOS and CACHE, and where it is mounted. */
  claim?: string;
  mountPath?: string;
  /** Kubernetes: retries per index. Default 2. */
  retriesPerIndex?: number;
}

/** Checks a plan: one ConfigError naming the first bad field. */
export function checkPlan(p: LaunchPlan): void {
  const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;
  if (!whole(p.shards, 1)) throw new ConfigError(`--shards must be a whole number >= 1, got ${p.shards}`);
  if (p.parallel !== undefined && !whole(p.parallel, 1)) throw new ConfigError(`--parallel must be a whole number >= 1, got ${p.parallel}`);
  if (!whole(p.cpus, 1)) throw new ConfigError(`--cpus must be a whole number >= 1, got ${p.cpus}`);
  if (!whole(p.memoryMb, 64)) throw new ConfigError(`--memory-mb must be a whole number >= 64, got ${p.memoryMb}`);
  if (!whole(p.gpus, 0)) throw new ConfigError(`--gpus must be a whole number >= 0, got ${p.gpus}`);
  if (!whole(p.minutes, 1)) throw new ConfigError(`--minutes must be a whole number >= 1, got ${p.minutes}`);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) || p.name.length > 50) throw new ConfigError(`--name must be lower-case letters, digits and '-' (a Kubernetes name), got ${p.name}`);
}

/** A word for a POSIX shell, quoted only when it needs it. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A task's command line (the shard index left to the scheduler: `--shard auto/N`). */
export function taskArgv(p: LaunchPlan): string[] {
  if (p.job === 'assign') {
    if (!p.weights) throw new ConfigError('launch --job assign needs --weights: the released checkpoint every task reads');
    return ['assign', p.videos, '--weights', p.weights, '--export', p.cache, '--shard', `auto/${p.shards}`, '--no-report', ...p.decodeFlags];
  }
  return ['decode', p.videos, '--out', p.cache, '--shard', `auto/${p.shards}`, '--concurrency', String(p.cpus), ...p.decodeFlags];
}

/** The merge task's command line. */
export function mergeArgv(p: LaunchPlan): string[] {
  return p.job === 'assign' ? ['merge', p.cache, '--out', `${p.cache.replace(/\/+$/, '')}/clusters.csv`] : ['merge', p.cache];
}

const hhmm = (minutes: number) => `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:00`;

/** The Slurm files: decode.sbatch, merge.sbatch, submit.sh. */
export function slurmFiles(p: LaunchPlan): Record<string, string> {
  checkPlan(p);
  const run = (args: string[]) => `${p.selavi} ${args.map(shellWord).join(' ')}`;
  const common = [`#SBATCH --cpus-per-task=${p.cpus}`, `#SBATCH --mem=${p.memoryMb}M`, `#SBATCH --time=${hhmm(p.minutes)}`, ...(p.gpus > 0 ? [`#SBATCH --gpus-per-task=${p.gpus}`] : [])];
  const decode = [
    '#!/bin/bash',
    `# selavi launch slurm: shard \${SLURM_ARRAY_TASK_ID} of ${p.shards} of the decode of ${p.videos} into ${p.cache}.`,
    '# A task that is rerun (requeued, or resubmitted with --array=I) redoes only an incomplete shard.',
    `#SBATCH --job-name=${p.name}-decode`,
    `#SBATCH --array=0-${p.shards - 1}${p.parallel !== undefined ? `%${p.parallel}` : ''}`,
    ...common,
    `#SBATCH --output=${p.name}-decode-%A_%a.log`,
    '#SBATCH --requeue',
    'set -euo pipefail',
    `exec ${run(taskArgv(p))}`,
    '',
  ].join('\n');
  const merge = [
    '#!/bin/bash',
    `# selavi launch slurm: merge the ${p.shards} shards of ${p.cache} (submitted with --dependency=afterok on the decode array).`,
    `#SBATCH --job-name=${p.name}-merge`,
    '#SBATCH --cpus-per-task=1',
    '#SBATCH --mem=1024M',
    `#SBATCH --output=${p.name}-merge-%j.log`,
    'set -euo pipefail',
    `exec ${run(mergeArgv(p))}`,
    '',
  ].join('\n');
  const submit = [
    '#!/bin/bash',
    '# Submits the decode array, then the merge once every task of it succeeded. Nothing else.',
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    'array=$(sbatch --parsable decode.sbatch)',
    'merge=$(sbatch --parsable --dependency=afterok:"${array%%;*}" --kill-on-invalid-dep=yes merge.sbatch)',
    'echo "decode array ${array%%;*}, merge ${merge%%;*}"',
    '',
  ].join('\n');
  return { 'decode.sbatch': decode, 'merge.sbatch': merge, 'submit.sh': submit };
}

/** The Kubernetes files: decode-job.json (an Indexed Job), merge-job.json, submit.sh. */
export function kubernetesFiles(p: LaunchPlan): Record<string, string> {
  checkPlan(p);
  if (!p.image) throw new ConfigError('launch k8s needs --image: a container image holding selavi and ffmpeg');
  if (!p.claim) throw new ConfigError('launch k8s needs --claim: a ReadWriteMany volume claim holding the videos and the cache');
  const mountPath = p.mountPath ?? '/data';
  const command = p.selavi.split(/\s+/).filter(Boolean);
  const resources = {
    requests: { cpu: String(p.cpus), memory: `${p.memoryMb}Mi` },
    limits: { memory: `${p.memoryMb}Mi`, ...(p.gpus > 0 && { 'nvidia.com/gpu': String(p.gpus) }) },
  };
  const pod = (args: string[], deadlineSeconds?: number) => ({
    restartPolicy: 'Never',
    ...(deadlineSeconds !== undefined && { activeDeadlineSeconds: deadlineSeconds }),
    containers: [{ name: 'selavi', image: p.image, command, args, resources, volumeMounts: [{ name: 'data', mountPath }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: p.claim } }],
  });
  const decode = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${p.name}-decode`, labels: { app: 'selavi', step: 'decode' } },
    spec: {
      completionMode: 'Indexed',
      completions: p.shards,
      parallelism: p.parallel ?? p.shards,
      backoffLimitPerIndex: p.retriesPerIndex ?? 2,
      maxFailedIndexes: 0,
      podReplacementPolicy: 'Failed',
      template: { metadata: { labels: { app: 'selavi', step: 'decode' } }, spec: pod(taskArgv(p), p.minutes * 60) },
    },
  };
  const merge = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${p.name}-merge`, labels: { app: 'selavi', step: 'merge' } },
    spec: { backoffLimit: 2, template: { metadata: { labels: { app: 'selavi', step: 'merge' } }, spec: pod(mergeArgv(p)) } },
  };
  const submit = [
    '#!/bin/bash',
    '# Applies the decode Indexed Job, waits for it to complete, then applies the merge Job.',
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    'kubectl apply -f decode-job.json',
    `kubectl wait --for=condition=complete --timeout=-1s job/${p.name}-decode`,
    'kubectl apply -f merge-job.json',
    '',
  ].join('\n');
  return { 'decode-job.json': `${JSON.stringify(decode, null, 2)}\n`, 'merge-job.json': `${JSON.stringify(merge, null, 2)}\n`, 'submit.sh': submit };
}
