/**
 * Picks the TensorFlow.js backend for this process: WebGPU on a GPU adapter (Dawn's Node binding,
 * `webgpu`, on the system's Vulkan), then native TensorFlow (`@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node`), then WebAssembly, then plain JS (`cpu`).
 *
 * The native TensorFlow packages are no longer dependencies (their install downloads libtensorflow
 * from outside the npm registry, and the GPU one needs CUDA 11.2); a user may still add them by
 * hand, and then they are tried. Absent or broken, the next backend is tried. `auto` probes WebGPU
 * only where a GPU device node exists and never takes a CPU emulation (llvmpipe): correct, but
 * slower than wasm. An explicit choice (`--backend`, or `SELAVI_BACKEND`) that cannot be had is a
 * `ConfigError`, never a silent fallback.
 */
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CHOICES, type BackendChoice } from './backend-choices.js';
import { ConfigError } from '../errors.js';
import { registerNativeKernels, type NativeKernelState } from './native-kernels.js';
import { registerWasmKernels } from './wasm-kernels.js';
import { watchWasmFailures } from './wasm-failures.js';
import { installThreadedWasmShims, preflightThreadedWasm, unrefThreadWorkers } from './wasm-threads.js';
import { gpuDeviceNodes } from './gpu-device-nodes.js';
import { describeAdapter, probeWebGpu, type GpuAdapterSummary } from './webgpu.js';
import { watchWebGpuErrors } from './webgpu-failures.js';
import { firstLine, isMissingPackage } from './import-errors.js';

/** One backend (or native package) that was attempted, with why it was not used. */
export interface BackendAttempt {
  name: string;
  error?: string;
  /** Not on this machine at all (package not installed, no GPU): left out of the one-line log. */
  absent?: boolean;
}

/** What `initBackend` chose. */
export interface BackendInfo {
  /** The TensorFlow.js backend name now active: `webgpu`, `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** The WebGPU adapter in use, when `name` is `webgpu`. */
  adapter?: GpuAdapterSummary;
  /** Every attempt in order; the last one (without `error`) is the chosen backend. */
  tried: BackendAttempt[];
  /** Threads of the wasm backend's XNNPACK pool (1 for other backends). */
  threads: number;
  /** Why wasm runs on fewer threads than asked for, if it does. */
  note?: string;
  /** wasm: the native kernels' engine (e.g. `oneDNN 2.6.3 (OpenMP)`), or why none run. */
  native?: NativeKernelState;
}

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** One of {@link BACKEND_CHOICES}, e.g. from a `--backend` flag; beats `SELAVI_BACKEND`. */
  backend?: string;
  /** Where the one "backend: ..." line goes; default stderr. */
  log?: (line: string) => void;
  /**
   * Threads for the wasm backend; default `SELAVI_WASM_THREADS`, else the available cores (the pool
   * is capped at 8 by the package). 1 uses the single-threaded SIMD build and starts no workers.
   */
  wasmThreads?: number;
  /** Loads a package by name; tests inject fakes. Default: dynamic `import()`. */
  importer?: (specifier: string) => Promise<unknown>;
  /** Environment to read `SELAVI_BACKEND` / `SELAVI_WASM_THREADS` from; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** The GPU device nodes `auto` looks for before probing WebGPU; tests inject them. */
  gpuDeviceNodes?: () => string[];
}

type Choice = BackendChoice;
const CHOICES: readonly Choice[] = BACKEND_CHOICES;

const NATIVE_PACKAGES = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
} as const;

const defaultImporter = (specifier: string): Promise<unknown> => import(specifier);

let pending: Promise<BackendInfo> | undefined;
let chosen: BackendInfo | undefined;
let logged = false;

/**
 * Selects and initialises the backend once per process, registers the wasm kernel replacements
 * when wasm is chosen, and logs the choice once. Later calls return the same result; a later call
 * that explicitly asks for a different backend is a `ConfigError`.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = opts.env ?? process.env;
  const { choice, source } = parseChoice(opts.backend, env);
  if (pending === undefined) {
    pending = selectBackend(opts).catch((err: unknown) => {
      pending = undefined; // a failed explicit choice may be retried with another one
      throw err;
    });
  }
  const info = await pending;
  chosen = info;
  if (!satisfies(info.name, choice)) {
    throw new ConfigError(`${source}: the backend is already initialised as ${info.name} in this process`);
  }
  if (!logged) {
    logged = true;
    (opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(describeChoice(info));
  }
  return info;
}

/** The result of the `initBackend` call that succeeded in this process, if any. */
export function currentBackend(): BackendInfo | undefined {
  return chosen;
}

/**
 * The one-line summary `initBackend` logs, e.g. `backend: wasm (threads 2; tried webgpu: only a CPU
 * emulation ...)`. Backends that are simply absent (not installed, no GPU) are left out: `selavi
 * doctor` lists every attempt.
 */
export function describeChoice(info: BackendInfo): string {
  const failed = info.tried.filter((t) => t.error !== undefined && t.absent !== true);
  const notes: string[] = [];
  if (info.name === 'wasm') notes.push(`threads ${info.threads}${info.note ? `: ${info.note}` : ''}`);
  if (info.name === 'wasm' && info.native !== undefined) notes.push(info.native.engine !== undefined ? `native kernels: ${info.native.engine}` : `native kernels ${info.native.reason}`);
  if (info.name === 'webgpu' && info.adapter !== undefined) notes.push(describeAdapter(info.adapter));
  if (failed.length > 0) notes.push(`tried ${failed.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
  return `backend: ${info.name}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/**
 * Runs the selection itself, without the once-per-process cache or the log line. Exported for
 * tests, which call it with fake importers; everything else should call `initBackend`.
 */
export async function selectBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = opts.env ?? process.env;
  const { choice, source } = parseChoice(opts.backend, env);
  const importer = opts.importer ?? defaultImporter;
  const tried: BackendAttempt[] = [];
  const explicit = choice !== 'auto';

  if (choice === 'auto' || choice === 'webgpu') {
    const nodes = (opts.gpuDeviceNodes ?? gpuDeviceNodes)();
    if (choice === 'auto' && nodes.length === 0) {
      // No GPU here: do not load Dawn and Vulkan (and their warnings) only to find llvmpipe.
      tried.push({ name: 'webgpu', error: 'no GPU device node', absent: true });
    } else {
      const result = await tryWebGpu(choice === 'webgpu', importer);
      tried.push({ name: 'webgpu', ...(result.error !== undefined && { error: result.error }), ...(result.absent && { absent: true }) });
      if (result.error === undefined) return { name: 'webgpu', tried, threads: 1, adapter: result.adapter! };
      if (explicit) throw unavailable(source, tried);
    }
  }

  const natives: (keyof typeof NATIVE_PACKAGES)[] =
    choice === 'auto' || choice === 'tensorflow' ? ['node-gpu', 'node'] : choice === 'node-gpu' || choice === 'node' ? [choice] : [];
  for (const which of natives) {
    const error = await tryNative(NATIVE_PACKAGES[which], importer);
    tried.push({ name: which, ...(error !== undefined && { error }), ...(error === 'not installed' && { absent: true }) });
    if (error === undefined) return { name: 'tensorflow', tried, threads: 1 };
  }
  if (explicit && natives.length > 0) throw unavailable(source, tried);

  if (choice === 'auto' || choice === 'wasm') {
    const threads = wasmThreadsWanted(opts.wasmThreads, env);
    const result = await tryWasm(threads, importer);
    tried.push({ name: 'wasm', ...(result.error !== undefined && { error: result.error }) });
    if (result.error === undefined) {
      return { name: 'wasm', tried, threads: result.threads, ...(result.note !== undefined && { note: result.note }), native: registerNativeKernels() };
    }
    if (explicit) throw unavailable(source, tried);
  }

  const ok = await tf.setBackend('cpu');
  tried.push({ name: 'cpu', ...(!ok && { error: 'tf.setBackend failed' }) });
  if (!ok) throw unavailable(source, tried);
  return { name: 'cpu', tried, threads: 1 };
}

function parseChoice(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): { choice: Choice; source: string } {
  const fromEnv = env.SELAVI_BACKEND?.trim();
  const [raw, source] =
    flag !== undefined && flag !== ''
      ? [flag, `--backend ${flag}`]
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, `SELAVI_BACKEND=${fromEnv}`]
        : ['auto', 'auto'];
  const choice = raw.toLowerCase() as Choice;
  if (!CHOICES.includes(choice)) {
    throw new ConfigError(`${source}: unknown backend; expected one of ${CHOICES.join(', ')}`);
  }
  return { choice, source };
}

function satisfies(name: string, choice: Choice): boolean {
  if (choice === 'auto') return true;
  if (choice === 'node' || choice === 'node-gpu') return name === 'tensorflow';
  return name === choice;
}

function unavailable(source: string, tried: BackendAttempt[]): ConfigError {
  const why = tried.map((t) => `${t.name}: ${t.error ?? 'ok'}`).join('; ');
  return new ConfigError(`${source}: backend not available (${why})`);
}

/** Loads one native package; returns why it cannot be used, or undefined when it is active. */
async function tryNative(pkg: string, importer: (s: string) => Promise<unknown>): Promise<string | undefined> {
  try {
    await importer(pkg);
  } catch (err) {
    return describeImportError(pkg, err);
  }
  // The package registers 'tensorflow' into the @tensorflow/tfjs-core it resolves; if that is a
  // different copy from ours (version skew), our engine never sees the backend.
  if (tf.findBackendFactory('tensorflow') === null) {
    return 'loaded, but registered no "tensorflow" backend with this @tensorflow/tfjs (version mismatch?)';
  }
  try {
    if (await tf.setBackend('tensorflow')) return undefined;
    return 'tf.setBackend("tensorflow") failed';
  } catch (err) {
    return `broken: ${firstLine(err)}`;
  }
}

/**
 * Starts the WebGPU backend on the first adapter Dawn offers; `anyAdapter` false (auto) refuses a
 * CPU emulation. Returns why not, or the adapter in use.
 */
async function tryWebGpu(
  anyAdapter: boolean,
  importer: (s: string) => Promise<unknown>,
): Promise<{ error?: string; absent?: boolean; adapter?: GpuAdapterSummary }> {
  const probe = await probeWebGpu(importer);
  if (probe.error !== undefined) return { error: probe.error, absent: probe.missing === true };
  const adapter = probe.adapters.find((a) => anyAdapter || !a.cpuEmulation);
  if (adapter === undefined) {
    return { error: `only a CPU emulation (${probe.adapters.map(describeAdapter).join('; ')}): wasm is faster; --backend webgpu takes it anyway` };
  }
  try {
    await importer('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    return { error: describeImportError('@tensorflow/tfjs-backend-webgpu', err), absent: isMissingPackage('@tensorflow/tfjs-backend-webgpu', err) };
  }
  if (tf.findBackendFactory('webgpu') === null) {
    return { error: 'loaded, but registered no "webgpu" backend with this @tensorflow/tfjs (version mismatch?)' };
  }
  try {
    if (!(await tf.setBackend('webgpu'))) return { error: 'tf.setBackend("webgpu") failed (see the warning above)' };
    watchWebGpuErrors((tf.backend() as unknown as { device: Parameters<typeof watchWebGpuErrors>[0] }).device);
  } catch (err) {
    return { error: `initialisation failed: ${firstLine(err)}` };
  }
  return { adapter };
}

/** "not installed" only when the package itself is missing; anything else means broken. */
function describeImportError(pkg: string, err: unknown): string {
  return isMissingPackage(pkg, err) ? 'not installed' : `installed but broken: ${firstLine(err)}`;
}

function wasmThreadsWanted(fromOpts: number | undefined, env: Record<string, string | undefined>): number {
  const raw = fromOpts ?? (env.SELAVI_WASM_THREADS ? Number(env.SELAVI_WASM_THREADS) : undefined);
  if (raw !== undefined) {
    if (!Number.isInteger(raw) || raw < 1) {
      throw new ConfigError(`SELAVI_WASM_THREADS=${raw}: expected a whole number >= 1`);
    }
    return Math.min(raw, 8);
  }
  return Math.min(os.availableParallelism(), 8);
}

interface WasmModule {
  setWasmPaths(prefix: string): void;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

let wasmPathsSet = false;

async function tryWasm(
  threads: number,
  importer: (s: string) => Promise<unknown>,
): Promise<{ error?: string; threads: number; note?: string }> {
  let wasm: WasmModule;
  try {
    wasm = (await importer('@tensorflow/tfjs-backend-wasm')) as WasmModule;
  } catch (err) {
    return { error: describeImportError('@tensorflow/tfjs-backend-wasm', err), threads: 0 };
  }
  if (!wasmPathsSet) {
    // Point Emscripten at the .wasm files next to the package's bundle in node_modules, so
    // they are found even when this file is bundled or run from another working directory.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(dist + path.sep);
    wasmPathsSet = true;
  }
  let active = false;
  let note: string | undefined;
  try {
    // Not tf.findBackend: it would start initialising wasm (single-threaded) as a side effect.
    const initialised = 'wasm' in tf.engine().registry;
    if (!initialised && threads > 1) {
      const pre = preflightThreadedWasm();
      if (pre.ok) {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
        wasm.setThreadsCount(threads);
        const undo = installThreadedWasmShims(threads, pre.prelude!);
        try {
          active = await tf.setBackend('wasm');
        } finally {
          undo();
        }
        if (active) unrefThreadWorkers((tf.backend() as unknown as { wasm: unknown }).wasm);
        else note = 'the multi-threaded build failed to start';
      } else {
        note = `no multi-threaded build (${pre.reason})`;
      }
    }
    if (!active) {
      // Single-threaded SIMD build: also the fallback when the threaded start failed (the engine
      // keeps the factory after a failed start, so a second setBackend starts afresh).
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setThreadsCount(1);
      active = await tf.setBackend('wasm');
    }
  } catch (err) {
    return { error: `initialisation failed: ${firstLine(err)}`, threads: 0 };
  }
  if (!active) return { error: 'initialisation failed (see the warning above)', threads: 0 };
  registerWasmKernels();
  watchWasmFailures();
  return { threads: wasm.getThreadsCount(), ...(note !== undefined && { note }) };
}
