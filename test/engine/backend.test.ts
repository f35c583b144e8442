import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeChoice, initBackend, selectBackend } from '../../src/engine/backend.js';
import { ConfigError } from '../../src/errors.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).href;

/** Real imports, except the packages named in `fakes`, which load the given fixture instead. */
const importerWith =
  (fakes: Record<string, string>) =>
  (spec: string): Promise<unknown> =>
    import(fakes[spec] ?? spec);

describe('initBackend', () => {
  // First in the file: it is the one call that initialises wasm (with 2 threads) in this process.
  it('picks wasm when no native package is installed, logs once, and is idempotent', async () => {
    const lines: string[] = [];
    const first = await initBackend({ wasmThreads: 2, log: (l) => lines.push(l), env: {}, gpuDeviceNodes: () => [] });
    const second = await initBackend({ log: (l) => lines.push(l), env: {} });
    expect(second).toBe(first);
    expect(first.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(first.tried).toEqual([
      { name: 'webgpu', error: 'no GPU device node', absent: true },
      { name: 'node-gpu', error: 'not installed', absent: true },
      { name: 'node', error: 'not installed', absent: true },
      { name: 'wasm' },
    ]);
    expect(lines).toEqual([describeChoice(first)]);
    // What is simply absent stays out of the line (selavi doctor lists it).
    expect(lines[0]).toMatch(/^backend: wasm \(threads \d(; native kernels[^;]*)?\)$/);
    // The threaded build is used whenever the platform has SharedArrayBuffer (Node 20 does).
    expect(first.threads).toBe(2);
  });

  it('refuses to switch to another explicit backend once initialised', async () => {
    await expect(initBackend({ backend: 'cpu', log: () => {} })).rejects.toThrow(ConfigError);
    await expect(initBackend({ backend: 'cpu', log: () => {} })).rejects.toThrow(/already initialised as wasm/);
    await expect(initBackend({ backend: 'wasm', log: () => {} })).resolves.toMatchObject({ name: 'wasm' });
  });

  it('lets a process using threaded wasm exit on its own', () => {
    const script = fileURLToPath(new URL('./fixtures/exit-after-init.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 90_000 });
    expect(run.error, 'the child did not exit within 90 s').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const info = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(info).toMatchObject({ name: 'wasm', threads: 2, finite: true });
  });
});

describe('selectBackend', () => {
  it('falls through a native package that is installed but broken', async () => {
    const info = await selectBackend({
      env: {},
      wasmThreads: 1,
      gpuDeviceNodes: () => [],
      importer: importerWith({ '@tensorflow/tfjs-node': fixture('broken-native.cjs') }),
    });
    expect(info.name).toBe('wasm');
    expect(info.tried[1]).toEqual({ name: 'node-gpu', error: 'not installed', absent: true });
    expect(info.tried[2]!.name).toBe('node');
    expect(info.tried[2]!.error).toMatch(/^installed but broken: Cannot find module .*tfjs_binding\.node/);
    expect(describeChoice(info)).toMatch(/^backend: wasm \(threads \d(; native kernels[^;]*)?; tried node: installed but broken: Cannot find module/);
  });

  it('makes an explicit choice that cannot be had a ConfigError naming it and why', async () => {
    const importer = importerWith({ '@tensorflow/tfjs-node': fixture('broken-native.cjs') });
    const err = await selectBackend({ backend: 'tensorflow', env: {}, importer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^--backend tensorflow: backend not available \(node-gpu: not installed; node: installed but broken/);
    await expect(selectBackend({ env: { SELAVI_BACKEND: 'node-gpu' } })).rejects.toThrow(
      /^SELAVI_BACKEND=node-gpu: backend not available \(node-gpu: not installed\)$/,
    );
    expect(tf.getBackend()).toBe('wasm'); // a failed explicit choice leaves the active backend alone
  });

  it('rejects unknown backend names', async () => {
    await expect(selectBackend({ backend: 'gpu' })).rejects.toThrow(/--backend gpu: unknown backend; expected one of auto, webgpu, tensorflow, node, node-gpu, wasm, cpu/);
    await expect(selectBackend({ env: { SELAVI_BACKEND: 'webgl' } })).rejects.toThrow(ConfigError);
    await expect(selectBackend({ env: { SELAVI_WASM_THREADS: 'many' } })).rejects.toThrow(/SELAVI_WASM_THREADS/);
  });

  it('honours an explicit cpu choice from the environment', async () => {
    const info = await selectBackend({ env: { SELAVI_BACKEND: 'cpu' } });
    expect(info).toEqual({ name: 'cpu', tried: [{ name: 'cpu' }], threads: 1 });
    expect(tf.getBackend()).toBe('cpu');
    await tf.setBackend('wasm');
  });

  it('uses a working native package first', async () => {
    try {
      const info = await selectBackend({
        env: {},
        gpuDeviceNodes: () => [],
        importer: importerWith({ '@tensorflow/tfjs-node-gpu': fixture('working-native.ts') }),
      });
      expect(info).toEqual({ name: 'tensorflow', tried: [{ name: 'webgpu', error: 'no GPU device node', absent: true }, { name: 'node-gpu' }], threads: 1 });
      expect(tf.getBackend()).toBe('tensorflow');
    } finally {
      tf.removeBackend('tensorflow');
      await tf.setBackend('wasm');
    }
  });

  it('never loads WebGPU in auto on a machine without a GPU device node', async () => {
    const asked: string[] = [];
    const info = await selectBackend({ env: {}, wasmThreads: 1, gpuDeviceNodes: () => [], importer: (spec) => (asked.push(spec), import(spec)) });
    expect(info.name).toBe('wasm');
    expect(asked).not.toContain('webgpu');
    expect(asked).not.toContain('@tensorflow/tfjs-backend-webgpu');
  });

  it('passes over a CPU-emulated adapter in auto, saying so, but takes it when asked for', async () => {
    const importer = importerWith({ webgpu: fixture('fake-webgpu.ts'), '@tensorflow/tfjs-backend-webgpu': fixture('fake-webgpu.ts') });
    const info = await selectBackend({ env: {}, wasmThreads: 1, gpuDeviceNodes: () => ['/dev/dri/renderD128'], importer });
    expect(info.name).toBe('wasm');
    expect(info.tried[0]).toEqual({ name: 'webgpu', error: expect.stringMatching(/^only a CPU emulation \(llvmpipe \(LLVM 15\.0\.6\) \(mesa, software; CPU emulation\)\): wasm is faster/) });
    expect(describeChoice(info)).toMatch(/tried webgpu: only a CPU emulation/);
    // Asked for, the adapter is accepted; the fake registers no backend, so that is what fails.
    await expect(selectBackend({ backend: 'webgpu', env: {}, importer })).rejects.toThrow(/^--backend webgpu: backend not available \(webgpu: loaded, but registered no "webgpu" backend/);
  });

  it('says the webgpu package is missing when it is', async () => {
    const missing = (spec: string) => (spec === 'webgpu' ? Promise.reject(Object.assign(new Error("Cannot find package 'webgpu'"), { code: 'ERR_MODULE_NOT_FOUND' })) : import(spec));
    await expect(selectBackend({ backend: 'webgpu', env: {}, importer: missing })).rejects.toThrow(/webgpu: the webgpu package is not installed/);
    const auto = await selectBackend({ env: {}, wasmThreads: 1, gpuDeviceNodes: () => ['/dev/nvidia0'], importer: missing });
    expect(auto.tried[0]).toMatchObject({ name: 'webgpu', absent: true });
    expect(describeChoice(auto)).not.toMatch(/webgpu/);
  });
});
