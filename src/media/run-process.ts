/**
 * Runs one child process (ffmpeg, ffprobe) with a hard timeout and collects its output pipes.
 *
 * Plain `child_process.spawn` rather than fluent-ffmpeg: we need a second output pipe (fd 3) for
 * audio next to stdout for video, a SIGKILL on timeout and fixed-size output buffers; fluent-ffmpeg
 * has no extra-fd outputs and its event/progress parsing is overhead we do not use.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How one output fd is collected. */
export interface FdSink {
  /** Bytes kept; anything past it is read and dropped so the child never blocks on a full pipe. */
  maxBytes: number;
}

/** Options for {@link runProcess}. */
export interface RunOptions {
  /** Kill the child (SIGKILL) after this many ms; 0 = no limit. */
  timeoutMs: number;
  /** Output fds to collect (1 = stdout, 3, 4, ... = extra pipes). stderr is always watched. */
  fds: Record<number, FdSink>;
  /** Abort (kills the child) when this signal fires. */
  signal?: AbortSignal;
  /** Called for each complete stderr line (e.g. to count decode errors). */
  onStderrLine?: (line: string) => void;
  /** Characters of stderr kept for error messages (default 2000). */
  stderrTailChars?: number;
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
  const maxFd = Math.max(2, ...fdNumbers);
  const stdio: ('ignore' | 'pipe')[] = [];
  for (let fd = 0; fd <= maxFd; fd++) stdio.push(fd === 2 || fdNumbers.includes(fd) ? 'pipe' : 'ignore');
  const tailMax = opts.stderrTailChars ?? 2000;

  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ code: null, signal: null, timedOut: false, aborted: true, outputs: {}, stderrTail: '' });
      return;
    }
    const child = spawn(cmd, [...args], { stdio, windowsHide: true });
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
      resolve({ code, signal, timedOut, aborted, outputs, stderrTail });
    });
  });
}

/**
 * A one-line reason from ffmpeg/ffprobe stderr: the last line without the `URL: ` prefix, plus the
 * line before it when that one is more specific (e.g. "Invalid data ... (moov atom not found)").
 */
export function stderrReason(stderrTail: string, url: string): string {
  const lines = stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => (l.startsWith(`${url}: `) ? l.slice(url.length + 2) : l).replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, ''));
  const last = lines[lines.length - 1] ?? '';
  const prev = lines[lines.length - 2];
  return prev && prev !== last && !/^Error while decoding/.test(prev) ? `${last} (${prev})` : last;
}
