/** The job files `selavi launch` writes: what each scheduler needs, checked as text and structure. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { kubernetesFiles, shellWord, slurmFiles, type LaunchPlan } from '../../src/pipeline/launch-scripts.js';

const plan: LaunchPlan = { videos: '/shared/my videos', cache: '/shared/cache', shards: 64, parallel: 8, cpus: 4, memoryMb: 8192, gpus: 0, minutes: 90, selavi: 'selavi', decodeFlags: ['--frames', '8'], name: 'vgg' };

describe('slurmFiles', () => {
  it('an array of N tasks, P at once, each decoding shard auto/N; the merge after every task succeeded', () => {
    const f = slurmFiles(plan);
    expect(f['decode.sbatch']).toContain('#SBATCH --array=0-63%8\n');
    expect(f['decode.sbatch']).toContain('#SBATCH --cpus-per-task=4\n#SBATCH --mem=8192M\n#SBATCH --time=1:30:00\n');
    expect(f['decode.sbatch']).toContain("exec selavi decode '/shared/my videos' --out /shared/cache --shard auto/64 --concurrency 4 --frames 8\n");
    expect(f['decode.sbatch']).not.toContain('--gpus');
    expect(f['merge.sbatch']).toContain('exec selavi merge /shared/cache\n');
    expect(f['submit.sh']).toMatch(/array=\$\(sbatch --parsable decode\.sbatch\)\nmerge=\$\(sbatch --parsable --dependency=afterok:"\$\{array%%;\*\}" --kill-on-invalid-dep=yes merge\.sbatch\)/);
    // Every #SBATCH line comes before the first command (sbatch stops reading them there).
    const lines = f['decode.sbatch']!.split('\n');
    const lastDirective = lines.map((l) => l.startsWith('#SBATCH')).lastIndexOf(true);
    expect(lastDirective).toBeLessThan(lines.indexOf('set -euo pipefail'));
    expect(slurmFiles({ ...plan, gpus: 1 })['decode.sbatch']).toContain('#SBATCH --gpus-per-task=1\n');
  });

  it('--job assign: the released network over each shard into the export, merged into the clusters', () => {
    const f = slurmFiles({ ...plan, job: 'assign', weights: '/shared/selavi_vgg_sound.pth', cache: '/shared/export', decodeFlags: [] });
    expect(f['decode.sbatch']).toContain('exec selavi assign \'/shared/my videos\' --weights /shared/selavi_vgg_sound.pth --export /shared/export --shard auto/64 --no-report\n');
    expect(f['merge.sbatch']).toContain('exec selavi merge /shared/export --out /shared/export/clusters.csv\n');
    expect(() => slurmFiles({ ...plan, job: 'assign' })).toThrow(/needs --weights/);
  });

  it('refuses a bad plan in one ConfigError naming the field', () => {
    expect(() => slurmFiles({ ...plan, shards: 0 })).toThrow(ConfigError);
    expect(() => slurmFiles({ ...plan, name: 'Bad Name' })).toThrow(/--name must be lower-case/);
    expect(() => kubernetesFiles(plan)).toThrow(/needs --image/);
    expect(() => kubernetesFiles({ ...plan, image: 'x' })).toThrow(/needs --claim/);
  });
});

describe('shellWord', () => {
  it('quotes only what needs it, and quotes quotes', () => {
    expect(shellWord('/a/b-c_d.mp4')).toBe('/a/b-c_d.mp4');
    expect(shellWord("it's here")).toBe("'it'\\''s here'");
    expect(shellWord('$HOME')).toBe("'$HOME'");
  });
});

describe('kubernetesFiles', () => {
  it('an Indexed Job with retries per index and replacement only of failed pods, a GPU limit when asked', () => {
    const f = kubernetesFiles({ ...plan, gpus: 1, image: 'ghcr.io/me/selavi:1', claim: 'videos', mountPath: '/shared' });
    const job = JSON.parse(f['decode-job.json']!);
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'vgg-decode' } });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 64, parallelism: 8, backoffLimitPerIndex: 2, maxFailedIndexes: 0, podReplacementPolicy: 'Failed' });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ restartPolicy: 'Never', activeDeadlineSeconds: 5400 });
    expect(pod.containers[0]).toMatchObject({ image: 'ghcr.io/me/selavi:1', command: ['selavi'], resources: { requests: { cpu: '4', memory: '8192Mi' }, limits: { memory: '8192Mi', 'nvidia.com/gpu': '1' } } });
    expect(pod.containers[0].args).toEqual(['decode', '/shared/my videos', '--out', '/shared/cache', '--shard', 'auto/64', '--concurrency', '4', '--frames', '8']);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/shared' }]);
    expect(pod.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'videos' } }]);
    expect(JSON.parse(f['merge-job.json']!).spec.template.spec.containers[0].args).toEqual(['merge', '/shared/cache']);
  });
});
