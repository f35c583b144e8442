/**
 * Which engine runs the released network: `--device` / SELAVI_DEVICE parsed and refused with the
 * list; a provider that was asked for and cannot load is one ConfigError naming it and what to
 * install; `auto` falls back to TensorFlow.js when onnxruntime itself cannot load, and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { autoProviders, cudaProviderInstalled, openReleasedNetwork, parseDevice } from '../../src/engine/open-released.js';
import { readReleasedCheckpoint, type ReleasedCheckpoint } from '../../src/models/official/released-checkpoint.js';
import type { ReleasedNetwork } from '../../src/models/official/released-network.js';
import { haveOfficialFixture, officialFixture } from '../helpers/official-fixture.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';

/** The engine name of the released network on wasm here: with the native kernels where they are built. */
const TFJS_WASM = loadNativeAddon().addon ? 'tfjs-wasm+onednn' : 'tfjs-wasm';

describe('parseDevice', () => {
  it('takes the flag, else SELAVI_DEVICE, else auto; refuses other values with the list', () => {
    expect(parseDevice('cpu', { SELAVI_DEVICE: 'wasm' })).toBe('cpu');
    expect(parseDevice(undefined, { SELAVI_DEVICE: 'wasm' })).toBe('wasm');
    expect(parseDevice(undefined, {})).toBe('auto');
    expect(() => parseDevice('gpu', {})).toThrow(ConfigError);
    expect(() => parseDevice('gpu', {})).toThrow(/--device must be one of auto, cpu, webgpu, cuda, wasm, got "gpu"/);
    expect(() => parseDevice(undefined, { SELAVI_DEVICE: 'tpu' })).toThrow(/SELAVI_DEVICE must be one of/);
  });

  it('auto ends with the CPU provider, and tries CUDA only where its provider files are installed', () => {
    const order = autoProviders();
    expect(order.at(-1)).toBe('cpu');
    expect(order.includes('cuda')).toBe(cudaProviderInstalled());
  });
});

describe.skipIf(!haveOfficialFixture)('openReleasedNetwork', () => {
  let released: ReleasedCheckpoint;
  const opened: ReleasedNetwork[] = [];
  beforeAll(async () => {
    released = await readReleasedCheckpoint(officialFixture('selavi-random-zip.pth.gz'));
  });
  afterAll(async () => {
    for (const n of opened) await n.dispose();
  });

  it.skipIf(cudaProviderInstalled())('--device cuda without the provider files: one ConfigError naming CUDA and how to install it', async () => {
    const err = await openReleasedNetwork(released.weights, { device: 'cuda', log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^--device cuda: onnxruntime's cuda provider did not load \(.+\); needs an NVIDIA driver, CUDA 12 and cuDNN 9.*ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
    expect((err as Error).message).not.toMatch(/\n/);
  });

  it('--device cpu where onnxruntime cannot load: a ConfigError; auto: the TensorFlow.js path, saying why', async () => {
    const missing = '/nonexistent/onnxruntime-node/index.js';
    await expect(openReleasedNetwork(released.weights, { device: 'cpu', ortPath: missing, log: () => {} })).rejects.toThrow(/--device cpu: onnxruntime's cpu provider did not load \(.*Cannot find module/);
    const lines: string[] = [];
    const { network, tried } = await openReleasedNetwork(released.weights, { device: 'auto', backend: 'wasm', ortPath: missing, log: (l) => lines.push(l) });
    opened.push(network);
    expect(network.engine).toBe(TFJS_WASM);
    expect(tried.map((t) => t.engine)).toEqual(autoProviders().map((p) => `onnxruntime-${p}`));
    expect(lines.at(-1)).toMatch(/^released network: tfjs-wasm(\+onednn)? \(--device auto\) \(not used: onnxruntime-cpu: .*Cannot find module/);
  });

  it('auto takes onnxruntime here and names it', async () => {
    const lines: string[] = [];
    const { network } = await openReleasedNetwork(released.weights, { device: 'auto', log: (l) => lines.push(l) });
    opened.push(network);
    expect(network.engine).toMatch(/^onnxruntime-(cpu|cuda|webgpu)$/);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^released network: ${network.engine} \\(--device auto\\)`))]);
  });
});
