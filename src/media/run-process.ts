/**
 * Runs one child process (ffmpeg, ffprobe, and for the data set tools apt-get, dpkg, espeak-ng)
 * with a hard timeout, feeding its input pipes and collecting its output pipes. The project's one
 * process runner: {@link runProcess} resolves with what happened, {@link runTool} is the
 * "run it, fail loudly" form.
 *
 * Plain `child_process.spawn` rather than fluent-ffmpeg: we need a second output pipe (fd 3) for
 * audio next to stdout for video, a SIGKILL on timeout and fixed-size output buffers; fluent-ffmpeg
 * has no extra-fd outputs and its event/progress parsing is overhead we do not use.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** How one output fd is collected. */
export interface FdSink {
  /** Bytes kept; anything past it is read and dropped so the child never blocks on a full pipe. */
  maxBytes: number;
}

/** Options for {@link runProcess}. */
export interface RunOptions {
  /** Kill the child (SIGKILL) after this many ms; 0 = no limit. */
  timeoutMs: number;
  /**
   * Address space the child may use, MB, set by `ulimit -v` in a `/bin/sh` that then execs the
   * command (Node cannot set a child's rlimits itself); ignored on Windows. Default: no limit.
   */
  memoryLimitMb?: number;
  /** Output fds to collect (1 = stdout, 3, 4, ... = extra pipes). stderr is always watched. */
  fds: Record<number, FdSink>;
  /** Abort (kills the child) when this signal fires. */
  signal?: AbortSignal;
  /** Called for each complete stderr line (e.g. to count decode errors). */
  onStderrLine?: (line: string) => void;
  /** Characters of stderr kept for error messages (default 2000). */
  stderrTailChars?: number;
  /** Bytes written to the child's input fds (0 = stdin, 3, 4, ... = extra pipes), each then closed. */
  inputs?: Record<number, Uint8Array>;
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the child (default: this process's). */
  cwd?: string;
}

/** What a finished child left behind. */
export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when our timeout killed it. */
  timedOut: boolean;
  /** True when the abort signal killed it. */
  aborted: boolean;
  /** True when it ran under `memoryLimitMb` and failed the way a refused allocation fails. */
  memoryExhausted: boolean;
  /** Per fd: a buffer of exactly `maxBytes` and how many bytes were filled. */
  outputs: Record<number, { data: Uint8Array; length: number; overflow: number }>;
  /** Last `stderrTailChars` of stderr. */
  stderrTail: string;
}

/**
 * Spawns `cmd args`, collects the requested fds into preallocated buffers and resolves when all
 * pipes have closed. Rejects only if the binary cannot be started (ENOENT, EACCES); a non-zero
 * exit, timeout or abort resolves with the fields set so callers can attach file context.
 */
export function runProcess(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const fdNumbers = Object.keys(opts.fds).map(Number);
  const inputFds = Object.keys(opts.inputs ?? {}).map(Number);
  const maxFd = Math.max(2, ...fdNumbers, ...inputFds);
  const stdio: ('ignore' | 'pipe')[] = [];
  for (let fd = 0; fd <= maxFd; fd++) stdio.push(fd === 2 || fdNumbers.includes(fd) || inputFds.includes(fd) ? 'pipe' : 'ignore');
  const tailMax = opts.stderrTailChars ?? 2000;

  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ code: null, signal: null, timedOut: false, aborted: true, memoryExhausted: false, outputs: {}, stderrTail: '' });
      return;
    }
    const limited = opts.memoryLimitMb !== undefined && process.platform !== 'win32';
    const [file, argv] = limited ? ['/bin/sh', ['-c', 'ulimit -v "$1" 2>/dev/null; shift; exec "$@"', 'sh', String(Math.round(opts.memoryLimitMb! * 1024)), cmd, ...args]] : [cmd, [...args]];
    const child = spawn(file, argv, { stdio, windowsHide: true, env: opts.env, cwd: opts.cwd });
    const outputs: RunResult['outputs'] = {};
    let timedOut = false;
    let aborted = false;
    let stderrTail = '';
    let partialLine = '';
    let spawnError: Error | undefined;

    for (const fd of fdNumbers) {
      const sink = { data: new Uint8Array(opts.fds[fd].maxBytes), length: 0, overflow: 0 };
      outputs[fd] = sink;
      const stream = child.stdio[fd] as Readable | null;
      stream?.on('data', (chunk: Buffer) => {
        const room = sink.data.length - sink.length;
        const n = Math.min(room, chunk.length);
        if (n > 0) sink.data.set(n === chunk.length ? chunk : chunk.subarray(0, n), sink.length);
        sink.length += n;
        sink.overflow += chunk.length - n;
      });
      stream?.on('error', () => undefined); // EPIPE after a kill: the exit status tells the story
    }
    for (const fd of inputFds) {
      const stream = child.stdio[fd] as Writable | null;
      if (!stream) continue;
      stream.on('error', () => undefined); // EPIPE when the child exits early: its status says why
      const bytes = opts.inputs![fd];
      stream.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderrTail = (stderrTail + s).slice(-tailMax);
      if (opts.onStderrLine) {
        const lines = (partialLine + s).split('\n');
        partialLine = lines.pop() ?? '';
        for (const line of lines) opts.onStderrLine(line);
      }
    });

    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = opts.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), kill()), opts.timeoutMs) : undefined;
    const onAbort = () => ((aborted = true), kill());
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) {
        // Never started (ENOENT/EACCES): 'close' may not follow, so settle here.
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(err);
      }
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (partialLine && opts.onStderrLine) opts.onStderrLine(partialLine);
      if (spawnError && code === null && !timedOut && !aborted) {
        reject(spawnError);
        return;
      }
      if (limited && (code === 126 || code === 127) && /^(\/bin\/)?sh: .*exec: .*(not found|Permission denied|No such file)/m.test(stderrTail)) {
        // The shell that sets the limit could not exec the command: report it as spawn would.
        reject(Object.assign(new Error(`spawn ${cmd} ${code === 127 ? 'ENOENT' : 'EACCES'}`), { code: code === 127 ? 'ENOENT' : 'EACCES', path: cmd }));
        return;
      }
      const memoryExhausted = limited && !timedOut && !aborted && code !== 0 && (MEMORY_FAILURE.test(stderrTail) || (signal !== null && MEMORY_SIGNALS.has(signal)));
      resolve({ code, signal, timedOut, aborted, memoryExhausted, outputs, stderrTail });
    });
  });
}

/** How a refused allocation shows in ffmpeg's (and the dynamic loader's) stderr. */
const MEMORY_FAILURE = /Cannot allocate memory|get_buffer\(\) failed|failed to map segment|out of memory|bad_alloc|ENOMEM/i;
/** Signals a process dies of when an allocation it did not check failed. */
const MEMORY_SIGNALS = new Set<string>(['SIGSEGV', 'SIGABRT', 'SIGBUS']);

/**
 * A one-line reason from ffmpeg/ffprobe stderr: the last line without the `URL: ` prefix, plus the
 * line before it when that one is more specific (e.g. "Invalid data ... (moov atom not found)").
 */
export function stderrReason(stderrTail: string, url: string): string {
  const lines = stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => (l.startsWith(`${url}: `) ? l.slice(url.length + 2) : l).replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, ''))
    // ffmpeg's log de-duplication says nothing of the failure itself.
    .filter((l) => !/^Last message repeated \d+ times?$/.test(l));
  const last = lines[lines.length - 1] ?? '';
  const prev = lines[lines.length - 2];
  return prev && prev !== last && !/^Error while decoding/.test(prev) ? `${last} (${prev})` : last;
}

/** A program that could not start, exited non-zero, was killed or timed out. */
export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    message: string,
    /** The spawn error's code (`ENOENT`: not installed), when it could not start. */
    readonly code?: string,
    /** The tail of its stderr. */
    readonly stderr = '',
  ) {
    super(message);
  }
}

/** Options of {@link runTool}. */
export interface RunToolOptions extends Pick<RunOptions, 'inputs' | 'env' | 'cwd' | 'signal'> {
  /** Bytes of stdout to keep (default 0: stdout is not read). More is a ToolError. */
  stdoutBytes?: number;
  /** Kill it after this many ms (default 0: no limit). */
  timeoutMs?: number;
}

/**
 * Runs `cmd args` to completion and resolves with its stdout (up to `stdoutBytes`) and stderr tail.
 * @throws ToolError naming the program, with its exit status and the last lines of its stderr,
 * when it cannot start, exits non-zero, is killed, or writes more stdout than asked for.
 * @example await runTool('dpkg', ['-x', deb, dir]);
 */
export async function runTool(cmd: string, args: readonly string[], opts: RunToolOptions = {}): Promise<{ stdout: Uint8Array; stderr: string }> {
  const name = path.basename(cmd);
  const keep = opts.stdoutBytes ?? 0;
  let res: RunResult;
  try {
    res = await runProcess(cmd, args, { timeoutMs: opts.timeoutMs ?? 0, fds: keep > 0 ? { 1: { maxBytes: keep } } : {}, inputs: opts.inputs, env: opts.env, cwd: opts.cwd, signal: opts.signal });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ToolError(`${name}: ${e.message}`, e.code);
  }
  const tail = res.stderrTail.trim().split('\n').slice(-3).join(' | ');
  if (res.code !== 0) {
    const status = res.timedOut ? `timed out after ${(opts.timeoutMs ?? 0) / 1000}s` : res.aborted ? 'aborted' : `exited with ${res.code ?? res.signal}`;
    throw new ToolError(`${name} ${status}${tail ? `: ${tail}` : ''}`, undefined, res.stderrTail);
  }
  const out = res.outputs[1];
  if (out && out.overflow > 0) throw new ToolError(`${name}: more than ${keep} bytes on stdout`, undefined, res.stderrTail);
  return { stdout: out ? out.data.subarray(0, out.length) : new Uint8Array(0), stderr: res.stderrTail };
}
