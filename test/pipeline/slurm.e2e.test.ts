/**
 * `selavi launch slurm` against a real Slurm: Debian's munge, slurmctld and slurmd started here as
 * a one-node cluster (no systemd; config, state and logs in a temp folder). The array decodes 8
 * clips in 4 shards, 2 at a time; one task is cancelled while it runs and resubmitted alone; the
 * merge job then checks and merges, and the cache holds, clip for clip, the bytes a one-process
 * decode gives. Also: the worker loop as a Kubernetes Indexed Job runs it (each
 * JOB_COMPLETION_INDEX in turn), and the manifests' structure. Skipped, saying why, without root or
 * without slurm-wlm/munge (`.ci/run` installs them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCache } from '../../src/data/cache.js';
import { openCache } from '../../src/data/cache-reader.js';
import { kubernetesFiles } from '../../src/pipeline/launch-scripts.js';
import { makeClip } from '../media/fixtures.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// The tasks run from the job folder: the tsx launcher by its path, not Node's --import tsx (resolved from the cwd).
const SELAVI = `${path.join(repo, 'node_modules/.bin/tsx')} ${path.join(repo, 'src/cli/bin.ts')}`;
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const why = process.getuid?.() !== 0 ? 'not root' : !has('slurmctld') || !has('munged') ? 'slurm-wlm or munge not installed' : '';

const root = mkdtempSync(path.join(os.tmpdir(), 'selavi-slurm-'));
const videos = path.join(root, 'videos');
afterAll(() => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));

beforeAll(async () => {
  mkdirSync(videos);
  for (let i = 0; i < 8; i++) await makeClip(path.join(videos, `v${i}.mp4`), { seconds: 1 + 0.25 * i, audio: 300 + 100 * i });
});

/** Every clip of a cache by path: its frames and spectrogram bytes. */
async function clipBytes(dir: string): Promise<Map<string, string>> {
  const cache = await openCache(dir);
  try {
    const out = new Map<string, string>();
    for (let i = 0; i < cache.size; i++) {
      const c = await cache.read(i);
      out.set(c.path, Buffer.concat([Buffer.from(c.frames.buffer), Buffer.from(c.spec.buffer)]).toString('base64'));
    }
    return out;
  } finally {
    cache.close();
  }
}

let oneProcess: Map<string, string>;
beforeAll(async () => {
  const dir = path.join(root, 'one');
  await buildCache({ videos, out: dir, frames: 2, size: 16, progress: 'quiet' });
  oneProcess = await clipBytes(dir);
  expect(oneProcess.size).toBe(8);
});

const CLIP = ['--frames', '2', '--size', '16'];

describe('the worker loop as a Kubernetes Indexed Job runs it', () => {
  it('each JOB_COMPLETION_INDEX in turn, then the merge: the one-process cache, clip for clip', async () => {
    const files = kubernetesFiles({ videos, cache: path.join(root, 'k8s-cache'), shards: 3, parallel: 2, cpus: 1, memoryMb: 1024, gpus: 0, minutes: 30, selavi: SELAVI, decodeFlags: CLIP, name: 'digits', image: 'selavi:test', claim: 'data' });
    const job = JSON.parse(files['decode-job.json']!);
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 2, backoffLimitPerIndex: 2, podReplacementPolicy: 'Failed' });
    const container = job.spec.template.spec.containers[0];
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(container.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('data');
    expect(JSON.parse(files['merge-job.json']!).spec.template.spec.containers[0].args).toEqual(['merge', path.join(root, 'k8s-cache')]);
    expect(files['submit.sh']).toMatch(/kubectl wait --for=condition=complete --timeout=-1s job\/digits-decode\nkubectl apply -f merge-job.json/);
    // What each pod runs: its command + args, with the index Kubernetes gives it.
    for (let index = 0; index < 3; index++) {
      const r = spawnSync(container.command[0], [...container.command.slice(1), ...container.args], { cwd: repo, encoding: 'utf8', env: { ...process.env, JOB_COMPLETION_INDEX: String(index), CI: 'true' } });
      expect(r.status, r.stderr).toBe(0);
    }
    const merge = spawnSync(container.command[0], [...container.command.slice(1), 'merge', path.join(root, 'k8s-cache')], { cwd: repo, encoding: 'utf8' });
    expect(merge.status, merge.stderr).toBe(0);
    expect(await clipBytes(path.join(root, 'k8s-cache'))).toEqual(oneProcess);
  });
});

describe.skipIf(why !== '')(`a real one-node Slurm (${why || 'munge, slurmctld and slurmd started here'})`, () => {
  const conf = path.join(root, 'slurm', 'slurm.conf');
  const env = { ...process.env, SLURM_CONF: conf };
  const slurm = (cmd: string, args: string[]) => execFileSync(cmd, args, { env, encoding: 'utf8', timeout: 120_000 });
  const host = os.hostname().split('.')[0]!;

  beforeAll(async () => {
    const dir = path.dirname(conf);
    for (const d of ['state', 'spool', 'log']) mkdirSync(path.join(dir, d), { recursive: true });
    const port = 17000 + (process.pid % 1000) * 2;
    writeFileSync(
      conf,
      [
        'ClusterName=selavitest',
        `SlurmctldHost=${host}`,
        'AuthType=auth/munge',
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core_Memory',
        `StateSaveLocation=${dir}/state`,
        `SlurmdSpoolDir=${dir}/spool`,
        `SlurmctldPidFile=${dir}/slurmctld.pid`,
        `SlurmdPidFile=${dir}/slurmd.pid`,
        `SlurmctldLogFile=${dir}/log/slurmctld.log`,
        `SlurmdLogFile=${dir}/log/slurmd.log`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'ReturnToService=2',
        'MpiDefault=none',
        'JobCompType=jobcomp/none',
        'AccountingStorageType=accounting_storage/none',
        `SlurmctldPort=${port}`,
        `SlurmdPort=${port + 1}`,
        `NodeName=${host} CPUs=${os.availableParallelism()} RealMemory=4000 State=UNKNOWN`,
        'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    if (spawnSync('pgrep', ['-x', 'munged']).status !== 0) {
      mkdirSync('/run/munge', { recursive: true });
      execFileSync('munged', ['--force'], { timeout: 20_000 });
    }
    slurm('slurmctld', []);
    slurm('slurmd', []);
    for (let t = 0; t < 60; t++) {
      if (/idle/.test(slurm('sinfo', ['-h', '-o', '%T']))) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`slurm did not come up: ${readFileSync(path.join(path.dirname(conf), 'log', 'slurmctld.log'), 'utf8').slice(-500)}`);
  });
  afterAll(async () => {
    const pids: number[] = [];
    for (const pid of ['slurmd.pid', 'slurmctld.pid']) {
      const f = path.join(path.dirname(conf), pid);
      if (existsSync(f)) pids.push(Number(readFileSync(f, 'utf8').trim()));
    }
    for (const pid of pids) spawnSync('kill', [String(pid)]);
    // slurmctld writes its state while it shuts down: wait for both to exit (up to 15 s) before the
    // folder is removed, or the removal races the writes (ENOTEMPTY).
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let t = 0; t < 150 && pids.some(alive); t++) await new Promise((r) => setTimeout(r, 100));
  });

  it('runs what launch wrote; a task cancelled mid-way is resubmitted; the merge gives the one-process cache', async () => {
    const jobs = path.join(root, 'jobs');
    const cache = path.join(root, 'slurm-cache');
    const w = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'launch', 'slurm', videos, cache, '--shards', '4', '--parallel', '2', '--cpus', '1', '--memory-mb', '1024', '--minutes', '10', '--to', jobs, '--selavi', SELAVI, `--decode-flags=${CLIP.join(' ')}`], { cwd: repo, encoding: 'utf8' });
    expect(w.status, w.stderr).toBe(0);
    expect(readdirSync(jobs).sort()).toEqual(['decode.sbatch', 'merge.sbatch', 'submit.sh']);
    const array = slurm('sbatch', ['--parsable', '--chdir', jobs, path.join(jobs, 'decode.sbatch')]).trim().split(';')[0]!;
    // Cancel the first task seen running: it is mid-way (started, its shard index not yet written).
    let cancelled: string | undefined;
    for (let t = 0; t < 600 && cancelled === undefined; t++) {
      const running = slurm('squeue', ['-h', '-j', array, '-t', 'RUNNING', '-o', '%K']).trim().split('\n').filter(Boolean);
      if (running.length > 0) {
        cancelled = running[0]!;
        slurm('scancel', [`${array}_${cancelled}`]);
      } else await new Promise((r) => setTimeout(r, 100));
    }
    expect(cancelled, 'a task was seen running').toBeDefined();
    for (let t = 0; t < 600 && slurm('squeue', ['-h', '-j', array]).trim() !== ''; t++) await new Promise((r) => setTimeout(r, 500));
    // Its shard is not complete: the merge says which, in one line, and writes nothing.
    const early = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'merge', cache], { cwd: repo, encoding: 'utf8' });
    expect(early.status).toBe(2);
    expect(early.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`shard ${cancelled} of 4 not complete: rerun that task`))]);
    expect(existsSync(path.join(cache, 'index.json'))).toBe(false);
    // Resubmit that task alone, then the merge job.
    slurm('sbatch', ['--wait', `--array=${cancelled}`, '--chdir', jobs, path.join(jobs, 'decode.sbatch')]);
    slurm('sbatch', ['--wait', '--chdir', jobs, path.join(jobs, 'merge.sbatch')]);
    expect(existsSync(path.join(cache, 'index.json'))).toBe(true);
    expect(readdirSync(cache).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await clipBytes(cache)).toEqual(oneProcess);
  });
});
