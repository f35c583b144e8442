/**
 * Training on the WebGPU backend, checked against wasm on this machine's WebGPU adapter (CI: Mesa's
 * llvmpipe, a CPU Vulkan device, from scripts/install-vulkan.sh). Each backend runs in its own
 * child process: a process holds one backend. Skipped, saying why, where no adapter is found.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { probeWebGpu } from '../../src/engine/webgpu.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const stepsScript = fileURLToPath(new URL('./fixtures/train-steps.ts', import.meta.url));
const probe = await probeWebGpu();
const why = probe.error ?? '';

function runNode(args: string[], env: Record<string, string> = {}, timeout = 240_000) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: repo, encoding: 'utf8', timeout, env: { ...process.env, CI: 'true', ...env } });
  if (r.error) throw r.error;
  return r;
}

function trainSteps(backend: string, model: 'av' | 'sela'): { backend: string; losses: number[]; tensors: number[] } {
  const r = runNode([stepsScript], { SELAVI_BACKEND: backend, MODEL: model, STEPS: '5', BATCH: '8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

describe.skipIf(probe.adapters.length === 0)(`training on WebGPU (${why || 'adapter found'})`, () => {
  for (const model of ['av', 'sela'] as const) {
    it(`gives the wasm backend's losses within 1e-3 over 5 steps of the ${model === 'av' ? 'audio+video' : 'SeLa image'} model, with no tensor left per step`, () => {
      const wasm = trainSteps('wasm', model);
      const gpu = trainSteps('webgpu', model);
      expect(gpu.backend).toBe('webgpu');
      expect(gpu.losses).toHaveLength(5);
      for (const [i, loss] of gpu.losses.entries()) {
        expect(Math.abs(loss - wasm.losses[i]!) / Math.abs(wasm.losses[i]!), `step ${i + 1}: ${loss} vs ${wasm.losses[i]}`).toBeLessThan(1e-3);
      }
      // The losses fall (the steps train), and the live tensors stay flat after the first step.
      expect(gpu.losses[4]!).toBeLessThan(gpu.losses[0]!);
      expect(new Set(gpu.tensors).size, `tensors per step: ${gpu.tensors.join(', ')}`).toBe(1);
    });
  }

  const root = mkdtempSync(path.join(tmpdir(), 'selavi-webgpu-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs a short selavi cluster on the demo clips to its outputs', () => {
    const source = path.join(repo, 'datasets/av-digits-easy/clips');
    const clips = path.join(root, 'clips');
    mkdirSync(clips);
    for (const f of readdirSync(source).sort().slice(0, 8)) symlinkSync(path.join(source, f), path.join(clips, f));
    const out = path.join(root, 'run');
    const r = runNode(['src/cli/bin.ts', 'cluster', clips, '--out', out, '--backend', 'webgpu', '--k', '3', '--heads', '1', '--epochs', '1', '--batch-size', '4', '--grey', '--no-flip', '--augment-strength', 'light', '--video-view', 'frame', '--no-report']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^backend: webgpu \(/m);
    const summary = JSON.parse(r.stdout);
    expect(summary.items).toBe(8);
    const rows = readFileSync(path.join(out, 'clusters.csv'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(9);
    expect(existsSync(path.join(out, 'model'))).toBe(true);
  });
});

describe('WebGPU without a Vulkan device', () => {
  it('makes --backend webgpu one line and exit 2 (doctor says the same)', () => {
    const noVulkan = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };
    const r = runNode(['src/cli/bin.ts', 'doctor', '--backend', 'webgpu'], noVulkan, 60_000);
    const ours = r.stdout.split('\n').filter((l) => l.startsWith('backend:'));
    expect(ours).toEqual([expect.stringMatching(/^backend: unavailable: --backend webgpu: backend not available \(webgpu: (no WebGPU adapter|the webgpu package)/)]);
    const out = mkdtempSync(path.join(tmpdir(), 'selavi-no-vulkan-'));
    const cluster = runNode(['src/cli/bin.ts', 'cluster', path.join(repo, 'datasets/av-digits-easy/clips'), '--out', out, '--backend', 'webgpu'], noVulkan, 60_000);
    rmSync(out, { recursive: true, force: true });
    expect(cluster.status).toBe(2);
    const selaviLines = cluster.stderr.split('\n').filter((l) => l.startsWith('selavi:'));
    expect(selaviLines).toHaveLength(1);
    expect(selaviLines[0]).toMatch(/--backend webgpu: backend not available/);
    expect(cluster.stderr).not.toMatch(/\n\s+at .*\.[jt]s:\d+/); // no stack trace (Dawn's own warnings name its C++ files)
  });
});
