/**
 * Opens the released SeLaVi network on the engine `--device` names (released-devices.ts), before
 * any clip is decoded: a provider that was asked for and cannot load is one line naming it and
 * what to install (ConfigError, exit 2); `auto` takes the first that loads and says which.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { firstLine } from './import-errors.js';
import type { OfficialWeights } from '../models/official/official-weights.js';
import type { ReleasedNetwork } from '../models/official/released-network.js';
import type { OnnxProvider } from '../models/onnx/onnx-network.js';
import { DEVICE_CHOICES, type DeviceChoice } from './released-devices.js';

export interface OpenReleasedOptions {
  /** `--device`; default env SELAVI_DEVICE, else auto. */
  device?: string;
  /** TensorFlow.js backend for the wasm path (`--backend`). */
  backend?: string;
  /** Intra-op threads of onnxruntime's CPU provider. */
  threads?: number;
  log?: (line: string) => void;
  env?: Record<string, string | undefined>;
  /** onnxruntime-node's entry file (default: resolved from this package); tests point it elsewhere. */
  ortPath?: string;
}

/** One engine that was tried, and why it was not taken. */
export interface EngineAttempt {
  engine: string;
  error?: string;
}

/** What to install for each provider, for the one-line error. */
const INSTALL_HINT: Record<OnnxProvider, string> = {
  cpu: 'run `npm ci` in selavi-ts (onnxruntime-node ships its CPU provider), or use --device wasm',
  webgpu: 'needs a Vulkan driver with a device Dawn accepts (a GPU driver; Debian: mesa-vulkan-drivers >= 24, from bookworm-backports on Debian 12, also gives a CPU device)',
  cuda: 'needs an NVIDIA driver, CUDA 12 and cuDNN 9, and the provider files: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (README: "The released network on a GPU")',
};

/** The device asked for: the flag, else SELAVI_DEVICE, else auto. */
export function parseDevice(device: string | undefined, env: Record<string, string | undefined> = process.env): DeviceChoice {
  const value = device ?? env.SELAVI_DEVICE ?? 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(value)) {
    throw new ConfigError(`${device === undefined ? 'SELAVI_DEVICE' : '--device'} must be one of ${DEVICE_CHOICES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as DeviceChoice;
}

/** Whether onnxruntime-node's CUDA provider library sits beside its binding (installed on request only). */
export function cudaProviderInstalled(): boolean {
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    const bin = path.join(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

export { gpuDeviceNodes } from './gpu-device-nodes.js';

/**
 * The providers `auto` tries, in order, on this machine: CUDA where its files are installed, then
 * the CPU. Never WebGPU: onnxruntime cannot tell a GPU adapter from Mesa's CPU emulation (llvmpipe,
 * minutes a clip), which a container or VM with a GPU device node but no GPU Vulkan driver gets.
 */
export function autoProviders(): OnnxProvider[] {
  return cudaProviderInstalled() ? ['cuda', 'cpu'] : ['cpu'];
}

/** Opens the network; returns it and every engine tried before it. */
export async function openReleasedNetwork(weights: OfficialWeights, o: OpenReleasedOptions = {}): Promise<{ network: ReleasedNetwork; tried: EngineAttempt[] }> {
  const device = parseDevice(o.device, o.env);
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const tried: EngineAttempt[] = [];
  const done = (network: ReleasedNetwork) => {
    const skipped = tried.map((t) => `${t.engine}: ${t.error}`).join('; ');
    log(`released network: ${network.engine}${device === 'auto' ? ' (--device auto)' : ''}${skipped ? ` (not used: ${skipped})` : ''}`);
    return { network, tried };
  };
  if (device === 'wasm') return done(await openTfjs(weights, o));

  let ortPath = o.ortPath;
  try {
    ortPath ??= createRequire(import.meta.url).resolve('onnxruntime-node');
  } catch (err) {
    const reason = firstLine(err, 300);
    if (device !== 'auto') throw new ConfigError(`--device ${device}: onnxruntime-node is not installed (${reason}); ${INSTALL_HINT.cpu}`);
    tried.push({ engine: 'onnxruntime', error: reason });
    return done(await openTfjs(weights, o));
  }
  const { OnnxReleasedNetwork } = await import('../models/onnx/onnx-network.js');
  const providers = device === 'auto' ? autoProviders() : [device];
  for (const provider of providers) {
    try {
      return done(await OnnxReleasedNetwork.create(weights, { provider, threads: o.threads, ortPath }));
    } catch (err) {
      const reason = firstLine(err, 300);
      if (device !== 'auto') throw new ConfigError(`--device ${provider}: onnxruntime's ${provider} provider did not load (${reason}); ${INSTALL_HINT[provider]}`);
      tried.push({ engine: `onnxruntime-${provider}`, error: reason });
    }
  }
  return done(await openTfjs(weights, o));
}

async function openTfjs(weights: OfficialWeights, o: OpenReleasedOptions): Promise<ReleasedNetwork> {
  const [{ initBackend }, { TfjsReleasedNetwork }] = await Promise.all([import('./backend.js'), import('../models/official/tfjs-network.js')]);
  const backend = await initBackend({ backend: o.backend, log: o.log });
  // `wasm+onednn` where the native kernels run the convolutions (native-kernels.ts).
  return new TfjsReleasedNetwork(weights, backend.name === 'wasm' && backend.native?.engine !== undefined ? 'wasm+onednn' : backend.name);
}

/** What `selavi doctor` says of one onnxruntime provider. */
export interface ProviderProbe {
  provider: OnnxProvider;
  ok: boolean;
  detail: string;
}

/**
 * Loads onnxruntime-node and each provider on a one-node graph (a session created and run), so
 * `selavi doctor` can say which load here and which `auto` takes; the version is onnxruntime's.
 */
export async function probeProviders(o: { ortPath?: string } = {}): Promise<{ version?: string; error?: string; providers: ProviderProbe[]; auto: string }> {
  let ort: { env: { versions: Record<string, string> }; InferenceSession: { create(m: Uint8Array, o: object): Promise<{ run(f: object): Promise<unknown>; release(): Promise<void> }> }; Tensor: new (t: string, d: Float32Array, dims: number[]) => object };
  try {
    const ortPath = o.ortPath ?? createRequire(import.meta.url).resolve('onnxruntime-node');
    ort = createRequire(import.meta.url)(ortPath);
    (ort.env as { logLevel?: string }).logLevel = 'fatal'; // a provider that fails is reported below, not logged twice
  } catch (err) {
    return { error: firstLine(err, 300), providers: [], auto: 'tfjs (onnxruntime-node did not load)' };
  }
  const { OnnxGraph } = await import('../models/onnx/graph-builder.js');
  const g = new OnnxGraph('probe');
  g.output(g.node('Relu', [g.input('x', [1, 4])]), 'y', [1, 4]);
  const model = g.encode({ name: 'selavi-ts', version: 'probe' });
  const providers: ProviderProbe[] = [];
  for (const provider of ['cpu', 'webgpu', 'cuda'] as const) {
    try {
      const s = await ort.InferenceSession.create(model, { executionProviders: [provider], logSeverityLevel: 3 });
      await s.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 0, 1, 2]), [1, 4]) });
      await s.release();
      providers.push({ provider, ok: true, detail: 'loads' });
    } catch (err) {
      providers.push({ provider, ok: false, detail: `${firstLine(err, 300)}; ${INSTALL_HINT[provider]}` });
    }
  }
  const loads = new Set(providers.filter((p) => p.ok).map((p) => p.provider));
  const auto = autoProviders().find((p) => loads.has(p));
  return { version: ort.env.versions.node ?? ort.env.versions.common, providers, auto: auto ? `onnxruntime-${auto}` : 'tfjs' };
}
