/**
 * The optional native kernel addon (native/selavi_native.cc: oneDNN through Node-API, built by
 * `scripts/build-native.sh` where g++ and Debian's libdnnl-dev are present). Absent or disabled,
 * every caller gets the reason and training runs on the wasm kernels alone.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the addon exports; every geometry is validated again on the C++ side. */
export interface NativeAddon {
  version(): string;
  /** [nd, N, C, F, in.., k.., out.., stride.., padBefore.., padAfter..]; NHWC/NDHWC data, HWIO/DHWIO filter. */
  convForward(x: Float32Array, w: Float32Array, y: Float32Array, geom: Int32Array): void;
  /** convForward plus a bias [F] and, with `relu`, max(0, .) (tfjs's FusedConv2D). */
  convForwardBias(x: Float32Array, w: Float32Array, bias: Float32Array, y: Float32Array, geom: Int32Array, relu: boolean): void;
  convBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, geom: Int32Array): void;
  convBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  /** [N, C, inH, inW, kH, kW, outH, outW, sH, sW, padTop, padLeft, padBottom, padRight]; NHWC. */
  maxPoolForward(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  maxPoolBackward(dy: Float32Array, x: Float32Array, dx: Float32Array, geom: Int32Array): void;
  /** c[m, n] = op(a) op(b), row-major. */
  matMul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean): void;
  /** Batch norm over the m rows of x [m, c] with batch statistics (biased variance). */
  batchNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, m: number, c: number, eps: number): void;
  /** out = a op b (0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min); plan = [rank, dims.., stridesA.., stridesB..]. */
  binaryBroadcast(op: number, a: Float32Array, b: Float32Array, out: Float32Array, plan: Int32Array): void;
  batchNormBackward(x: Float32Array, dy: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, m: number, c: number, eps: number): void;
  /**
   * One Sinkhorn row-block kernel (op: its index in row-block-threads.ts's OPS) on `blocks` blocks
   * at once, over `memory` (the ArrayBuffer itself; byte offsets in `args`: `argc` numbers a block);
   * each block's result.
   * Absent from addons built before it.
   */
  sinkhornRun?(op: number, memory: ArrayBuffer, args: Float64Array, blocks: number, argc: number): Float64Array;
  /**
   * Advises the kernel to back the buffer's whole 2 MiB pages with transparent huge pages (call it
   * before the pages are first written); the bytes advised. Absent from addons built before it.
   */
  adviseHugePages?(buffer: ArrayBuffer): number;
  /**
   * Bytes from the buffer's start to its first address that is a multiple of `alignment` (a power of
   * two up to 2 MiB). Absent from addons built before it.
   */
  alignmentOffset?(buffer: ArrayBuffer, alignment: number): number;
  /**
   * execve(2): replaces this process with `file` run with `argv` and `env` (NAME=value strings);
   * returns only by throwing why it could not. Absent from addons built before it.
   */
  reexec?(file: string, argv: string[], env: string[]): never;
}

export type NativeLoad = { addon: NativeAddon; file: string } | { addon?: undefined; reason: string };

/** build/native/selavi_native.node at the package root (from src/engine or dist/engine alike). */
export const NATIVE_ADDON_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'native', 'selavi_native.node');

const loaded = new Map<string, NativeLoad>();

/**
 * Loads the addon once per process (per file). `SELAVI_NATIVE=0` turns it off (to compare, or to
 * rule it out).
 */
export function loadNativeAddon(env: NodeJS.ProcessEnv = process.env, file = NATIVE_ADDON_FILE): NativeLoad {
  if (env.SELAVI_NATIVE === '0') return { reason: 'turned off by SELAVI_NATIVE=0' };
  let load = loaded.get(file);
  if (load === undefined) loaded.set(file, (load = loadFile(file)));
  return load;
}

function loadFile(file: string): NativeLoad {
  if (!existsSync(file)) return { reason: 'not built (make native: needs g++ and libdnnl-dev)' };
  // libgomp's threads otherwise spin for a while after each oneDNN call, taking the cores the
  // wasm kernels between those calls need (measured: every wasm kernel of a step ran ~2x slower).
  // Read once, when the addon loads libgomp; a user's own setting wins.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    addon.version();
    return { addon, file };
  } catch (err) {
    return { reason: `failed to load: ${(err as Error).message.split('\n')[0]}` };
  }
}
