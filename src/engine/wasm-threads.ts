/**
 * Makes the multi-threaded SIMD build of `@tensorflow/tfjs-backend-wasm` start under Node.
 *
 * Out of the box the package refuses threads in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired
 * to false there), and forcing the flag fails for three reasons, each fixed here for the duration of
 * the backend's initialisation only:
 *  1. Emscripten starts its pthread workers from `blob:` URLs, which Node's `worker_threads.Worker`
 *     rejects (ERR_WORKER_PATH). We record the text of the Blobs the package builds and hand
 *     Emscripten real files in a private temp directory instead.
 *  2. The worker then `importScripts` the main script, again a Blob; we rewrite that one call in
 *     the worker's source to load the file we wrote. The main script is the factory function's
 *     source text, cut out of the Rollup bundle, so it refers to the bundle's `require$$N` aliases,
 *     `commonjsGlobal` and `_scriptDir`: we prepend definitions of them.
 *  3. The C++ side caps the pool at `emscripten_num_logical_cores() / 2` (it assumes
 *     hyper-threading), i.e. one thread on a 2-core machine whatever `setThreadsCount` says. It reads
 *     `os.cpus().length`, so while the module is instantiated `os.cpus()` reports twice the wanted
 *     count.
 * Measured on a 2-core machine (32x64x64x32 * 3x3x32x32 conv): 1 thread 90 ms, 2 threads 60 ms.
 *
 * Everything this relies on is checked before anything is changed (`preflightThreadedWasm`), against
 * the installed bundle's text, so an upgraded package that no longer matches falls back to the
 * single-threaded SIMD build instead of crashing inside a worker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The exact statement in Emscripten's worker source that loads the main script from a Blob. */
const WORKER_BLOB_IMPORT =
  'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';
const WORKER_PREFIX = '"use strict";var Module={};';
const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd';

/** The prelude that gives the extracted factory the bundle-scope names it uses. */
export interface ThreadedWasmPreflight {
  ok: boolean;
  /** Why threads cannot be used, when `ok` is false. */
  reason?: string;
  /** JS defining the bundle-scope names (`require$$N`, `commonjsGlobal`) the factory refers to. */
  prelude?: string;
}

/** The file Node loads for `@tensorflow/tfjs-backend-wasm` (its CommonJS bundle). */
export function wasmBundlePath(): string {
  return require.resolve('@tensorflow/tfjs-backend-wasm');
}

/** Checks, without side effects, that the installed bundle is one this workaround understands. */
export function preflightThreadedWasm(bundleFile = wasmBundlePath()): ThreadedWasmPreflight {
  if (typeof SharedArrayBuffer === 'undefined') return { ok: false, reason: 'no SharedArrayBuffer' };
  let src: string;
  try {
    src = fs.readFileSync(bundleFile, 'utf8');
  } catch (err) {
    return { ok: false, reason: `cannot read ${bundleFile}: ${(err as Error).message}` };
  }
  if (!src.includes(WORKER_BLOB_IMPORT)) return { ok: false, reason: 'worker source not recognised' };
  if (!src.includes(`${MAIN_SCRIPT_PREFIX} = `)) return { ok: false, reason: 'threaded factory not found' };
  if (!src.includes('.cpus().length')) return { ok: false, reason: 'core-count probe not recognised' };
  const aliases = [...src.matchAll(/^var (require\$\$\d+) = require\('([\w:/-]+)'\);$/gm)];
  if (aliases.length === 0) return { ok: false, reason: 'bundle require aliases not found' };
  const prelude =
    aliases.map(([, name, mod]) => `var ${name}=require(${JSON.stringify(mod)});`).join('') +
    'var commonjsGlobal=globalThis;';
  return { ok: true, prelude };
}

/**
 * Installs the shims described above and returns a function that removes them. Call it right
 * before `tf.setBackend('wasm')` and undo right after it settles.
 */
export function installThreadedWasmShims(threads: number, prelude: string): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selavi-wasm-'));
  const texts = new WeakMap<Blob, string>();
  let mainScriptFile: string | undefined;
  let fileNo = 0;

  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;

  class RecordingBlob extends RealBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        if (text.startsWith(MAIN_SCRIPT_PREFIX)) {
          mainScriptFile = path.join(dir, 'main.cjs');
          // `_scriptDir` is where Emscripten thinks the script lives; any absolute path works.
          fs.writeFileSync(mainScriptFile, `${prelude}var _scriptDir=${JSON.stringify(mainScriptFile)};${text}`);
        }
      }
    }
  }

  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob): string => {
    let text = texts.get(obj);
    if (text === undefined || !text.startsWith(WORKER_PREFIX)) return realCreateObjectURL(obj);
    if (mainScriptFile === undefined) throw new Error('wasm threads: main script Blob not seen before worker');
    text = text.replace(WORKER_BLOB_IMPORT, `importScripts(${JSON.stringify(mainScriptFile)})`);
    const file = path.join(dir, `worker-${fileNo++}.cjs`);
    fs.writeFileSync(file, text);
    return file;
  };
  os.cpus = () => {
    const real = realCpus.call(os);
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  };

  return () => {
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
    // The pool's workers (at most 8, all created during initialisation) have read their files by
    // the time the backend is ready; a failed start leaves nothing that needs them either.
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * Lets the process exit while the pool's threads idle. Emscripten `ref()`s a Node worker for as
 * long as its pthread runs, and XNNPACK's pool threads run (waiting for work) forever, so without
 * this a CLI run would never end. The main thread waits for the pool synchronously (shared-memory
 * futexes), so no work depends on the workers keeping the event loop alive.
 */
export function unrefThreadWorkers(wasmModule: unknown): number {
  const pthread = (wasmModule as { PThread?: { runningWorkers?: { unref?: () => void }[] } }).PThread;
  const running = pthread?.runningWorkers ?? [];
  for (const worker of running) worker.unref?.();
  return running.length;
}
