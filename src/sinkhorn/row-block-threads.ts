/**
 * The Sinkhorn kernels (src/sinkhorn/wasm/scaling.as.ts) run over blocks of rows by several
 * threads sharing one WebAssembly memory: the calling thread takes the first block and
 * `worker_threads` the others, each with its own instance of the same module. Calls are
 * synchronous (the caller waits on an Atomics flag), so `sinkhorn()` stays a plain function.
 * Where the native addon is built, the same kernels in C++ (native/sinkhorn_kernels.cc) run the
 * blocks on OpenMP threads over the same memory instead, and no worker starts.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { loadNativeAddon, type NativeAddon } from '../engine/native-addon.js';
import { WASM_BASE64 } from './wasm/scaling-wasm.js';

/** The kernels' exports, by the op number a worker is sent. */
const OPS = ['rowKernel', 'scalingPass', 'columnLogSums', 'countAbove', 'fillSparse', 'sparseScalingPass', 'argmaxLabels'] as const;
export type KernelOp = (typeof OPS)[number];
type Kernels = Record<KernelOp, (...args: number[]) => number>;

const PAGE = 65536;
// The module's own constant tables sit below this offset; our arrays start here.
const FIRST_FREE_BYTE = PAGE;
// A worker's mailbox: Int32 [generation, done generation, call failed, worker dead], then float64 [op, argc, args..., result].
const MAILBOX_ARGS = 12;
const MAILBOX_BYTES = 16 + 8 * (MAILBOX_ARGS + 3);
// A block that has not finished after this long means a dead worker, not a slow one.
const BLOCK_TIMEOUT_MS = 15 * 60_000;

// Runs in each worker (eval'd: plain JS, so that it loads the same way from src/ and dist/).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, mailbox } = workerData;
const flags = new Int32Array(mailbox, 0, 4);
const box = new Float64Array(mailbox, 16);
let fns;
try {
  const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } }).exports;
  fns = ${JSON.stringify(OPS)}.map((name) => ex[name]);
} catch (e) {
  Atomics.store(flags, 3, 1); // dead: the caller stops waiting for this worker
  Atomics.notify(flags, 1);
  throw e;
}
let seen = 0;
for (;;) {
  Atomics.wait(flags, 0, seen);
  seen = Atomics.load(flags, 0);
  const op = box[0];
  if (op < 0) break;
  const args = Array.from(box.subarray(2, 2 + box[1]));
  try {
    box[${MAILBOX_ARGS + 2}] = fns[op](...args);
  } catch (e) {
    flags[2] = 1;
  }
  Atomics.store(flags, 1, seen);
  Atomics.notify(flags, 1);
}
`;

let compiled: WebAssembly.Module | undefined;
/**
 * The compiled kernels. Compiled by V8's optimising tier directly: its baseline tier (Liftoff) runs
 * these loops about 2x slower, and the set-up kernels, called once per block, never tier up
 * (VGG-Sound-sized solve: 2.9 s with Liftoff first, 1.5 s without). The flag is restored at once,
 * so nothing else compiled in the process is affected.
 */
function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    // Lazy compilation would compile each function at its first call, under the flags of then.
    const flags = ['liftoff', 'wasm-dynamic-tiering', 'wasm-lazy-compilation'];
    const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
    for (const flag of flags) setFlagsFromString(`--no-${flag}`);
    try {
      compiled = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    } finally {
      // Back to Node's defaults (all three on), unless the user turned one off.
      for (const flag of flags) if (!given.includes(`--no-${flag}`)) setFlagsFromString(`--${flag}`);
    }
  }
  return compiled;
}

/** The native kernels' entry point, where the addon is built and has it (else undefined). */
export function nativeSinkhorn(): NativeAddon['sinkhornRun'] {
  const { addon } = loadNativeAddon();
  return addon?.sinkhornRun?.bind(addon);
}

/**
 * How many threads (blocks) a solve of this many entries uses: one below 4M entries on workers
 * (a worker costs ~30 ms to start), below 256K on the native kernels (OpenMP's threads are kept).
 */
export function threadsFor(entries: number, max = availableParallelism(), native = nativeSinkhorn() !== undefined): number {
  return entries < (native ? 262_144 : 4_000_000) ? 1 : Math.max(1, Math.min(max, 8));
}

/** Largest memory the kernels can address (wasm32), less a margin for the module's own data. */
export const MAX_KERNEL_BYTES = 4 * 1024 ** 3 - 2 * PAGE;
/**
 * Every region `alloc` lays out starts on a 128-byte boundary in memory and is padded to one: no two
 * regions share a cache line (or the pair of lines some prefetchers fetch together), so that a region
 * one thread writes at every chunk of rows never sits beside one another thread reads.
 */
export const REGION_ALIGN = 128;
/** What the memory holds besides what callers `alloc`: the module's page, and slack for aligning 32 regions. */
export const RESERVED_BYTES = FIRST_FREE_BYTE + 32 * REGION_ALIGN;

/**
 * Shared memory, laid out by {@link RowBlockThreads.alloc}, and the threads that run the kernels
 * on it. Call {@link RowBlockThreads.close} when done (workers would keep the process alive).
 */
export class RowBlockThreads {
  /**
   * The memory the kernels work on: a shared WebAssembly memory for the wasm module, a plain
   * ArrayBuffer (no 4 GiB limit) for the native kernels.
   */
  readonly memory: { readonly buffer: ArrayBufferLike };
  readonly threads: number;
  /** `native` (C++ kernels on OpenMP threads) or `wasm` (the module on worker threads). */
  readonly engine: 'native' | 'wasm';
  private readonly own: Kernels;
  private readonly native: NativeAddon['sinkhornRun'];
  private readonly workers: { worker: Worker; flags: Int32Array; box: Float64Array; generation: number }[] = [];
  private next = FIRST_FREE_BYTE;
  /** Whether {@link grow} can add pages (the WebAssembly memory) or all the room exists already (native). */
  private readonly growable: boolean;

  /**
   * @param bytes memory the caller will `alloc`, in all.
   * @param maxBytes what {@link grow} may later add up to (address space reserved, not memory used).
   * @param native the native kernels (default: the addon's, where built); null: the wasm module's.
   */
  constructor(bytes: number, threads: number, maxBytes = bytes, native: NativeAddon['sinkhornRun'] | null = nativeSinkhorn()) {
    this.threads = threads;
    this.native = native ?? undefined;
    this.engine = this.native ? 'native' : 'wasm';
    if (this.native) {
      // All of maxBytes at once: the pages of an ArrayBuffer this large are mapped untouched, so
      // what is never used (the sparse kernel's and stabilisation's room) costs no memory.
      const buffer = new ArrayBuffer(Math.ceil((Math.max(bytes, maxBytes) + RESERVED_BYTES) / PAGE) * PAGE);
      // Before anything touches it: on huge pages the solve's dozen streaming passes and the read
      // of the scores into it stop paying a page fault and a TLB miss every 4 KiB (native/huge_pages.cc).
      const addon = loadNativeAddon().addon;
      addon?.adviseHugePages?.(buffer);
      // The buffer's memory starts wherever calloc put it (16 bytes into a page): the regions start
      // from the first 128-byte boundary in memory instead (native/alignment.cc says what it cost).
      this.next += addon?.alignmentOffset?.(buffer, REGION_ALIGN) ?? 0;
      this.memory = { buffer };
      this.own = {} as Kernels;
      this.growable = false;
      return;
    }
    const pages = Math.ceil((bytes + RESERVED_BYTES) / PAGE);
    if (pages * PAGE > MAX_KERNEL_BYTES) throw new RangeError(`row-block threads: ${bytes} bytes do not fit in a wasm32 memory`);
    const maximum = Math.max(pages, Math.min(Math.ceil((maxBytes + RESERVED_BYTES) / PAGE), Math.floor(MAX_KERNEL_BYTES / PAGE)));
    const memory = new WebAssembly.Memory({ initial: pages, maximum, shared: true });
    this.memory = memory;
    this.growable = true;
    const env = { memory, abort: () => { throw new Error('wasm abort'); } };
    this.own = new WebAssembly.Instance(kernelModule(), { env }).exports as unknown as Kernels;
    for (let t = 1; t < threads; t++) {
      const mailbox = new SharedArrayBuffer(MAILBOX_BYTES);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: kernelModule(), memory, mailbox } });
      worker.unref();
      worker.on('error', () => undefined); // reported through the mailbox (flags 2 and 3) to the waiting caller
      this.workers.push({ worker, flags: new Int32Array(mailbox, 0, 4), box: new Float64Array(mailbox, 16), generation: 0 });
    }
  }

  /** Reserves `bytes` (a region of its own: {@link REGION_ALIGN}) in the shared memory; returns its byte offset. */
  alloc(bytes: number): number {
    const at = this.next;
    this.next = at + Math.ceil(bytes / REGION_ALIGN) * REGION_ALIGN;
    if (this.next > this.memory.buffer.byteLength) throw new RangeError('row-block threads: out of reserved memory');
    return at;
  }

  /**
   * Makes room for `bytes` more to `alloc` (the threads see the grown memory). False when the
   * memory's maximum, or the machine, does not allow it.
   */
  grow(bytes: number): boolean {
    const need = this.next + Math.ceil(bytes / REGION_ALIGN) * REGION_ALIGN - this.memory.buffer.byteLength;
    if (need <= 0) return true;
    if (!this.growable) return false;
    try {
      (this.memory as WebAssembly.Memory).grow(Math.ceil(need / PAGE));
      return true;
    } catch (err) {
      if (err instanceof RangeError) return false;
      throw err;
    }
  }

  /** Rows [start, end) of block `t` of `threads` over n rows. */
  block(t: number, n: number): [number, number] {
    return [Math.floor((t * n) / this.threads), Math.floor(((t + 1) * n) / this.threads)];
  }

  /**
   * Runs `op` on every block at once: `args(t, row0, row1)` gives block t's arguments. Returns
   * each block's result (for scalingPass, its share of the change).
   */
  run(op: KernelOp, n: number, args: (t: number, row0: number, row1: number) => number[]): number[] {
    const code = OPS.indexOf(op);
    if (this.native) return this.runNative(code, n, args);
    this.workers.forEach((w, i) => {
      const [r0, r1] = this.block(i + 1, n);
      const a = args(i + 1, r0, r1);
      if (a.length > MAILBOX_ARGS) throw new RangeError(`row-block threads: ${op} takes at most ${MAILBOX_ARGS} arguments`);
      w.box[0] = code;
      w.box[1] = a.length;
      w.box.set(a, 2);
      w.generation++;
      Atomics.store(w.flags, 0, w.generation);
      Atomics.notify(w.flags, 0);
    });
    const [r0, r1] = this.block(0, n);
    const results = [this.own[op](...args(0, r0, r1))];
    for (const w of this.workers) {
      const deadline = Date.now() + BLOCK_TIMEOUT_MS;
      while (Atomics.load(w.flags, 1) !== w.generation) {
        if (Atomics.load(w.flags, 3)) throw new Error('row-block threads: a worker failed to start');
        if (Date.now() > deadline) throw new Error(`row-block threads: a worker did not finish ${op} in ${BLOCK_TIMEOUT_MS / 60_000} minutes`);
        Atomics.wait(w.flags, 1, w.generation - 1, 1000);
      }
      if (w.flags[2]) throw new Error(`row-block threads: ${op} failed in a worker`);
      results.push(w.box[MAILBOX_ARGS + 2]);
    }
    return results;
  }

  /** {@link run} on the native kernels: every block's arguments in one call, the blocks on OpenMP threads. */
  private runNative(code: number, n: number, args: (t: number, row0: number, row1: number) => number[]): number[] {
    const blocks: number[][] = [];
    for (let t = 0; t < this.threads; t++) blocks.push(args(t, ...this.block(t, n)));
    const argc = blocks[0].length;
    const flat = new Float64Array(this.threads * argc);
    blocks.forEach((a, t) => flat.set(a, t * argc));
    return Array.from(this.native!(code, this.memory.buffer as ArrayBuffer, flat, this.threads, argc));
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.workers) {
      w.box[0] = -1;
      w.generation++;
      Atomics.store(w.flags, 0, w.generation);
      Atomics.notify(w.flags, 0);
    }
    this.workers.length = 0;
  }
}
