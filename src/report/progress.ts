/**
 * Progress for long work (decode, training, label updates, assign, report media), in one of
 * three modes:
 * - `auto` (default): on a TTY, a bar redrawn in place, `train [######------] 120/400  31.2/s  ETA 9s`;
 *   on a pipe or a log file, a plain line every 10 s and one at the end (none for work done in
 *   under 2 s); under CI (env `CI` set), nothing, so CI logs stay free of progress noise.
 * - `quiet`: nothing.
 * - `json`: one JSON object a line, at most once a second and once at the end, for machines:
 *   `{"event":"progress","label":"train","count":120,"total":400,"rate":31.2,"eta_s":9,"elapsed_s":3.8,"done":false}`.
 */

/** How progress is shown: see the file header. */
export type ProgressMode = 'auto' | 'quiet' | 'json';

/** The modes a `--quiet` / `--json` pair of flags selects. */
export function progressModeOf(flags: { quiet?: boolean; json?: boolean }): ProgressMode {
  return flags.json ? 'json' : flags.quiet ? 'quiet' : 'auto';
}

/** A writable stream as far as progress needs one. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Expected number of items (0 or unknown: no ETA). */
  total: number;
  label: string;
  /** Default `auto`. */
  mode?: ProgressMode;
  /** Where to write; default `process.stderr`. */
  stream?: ProgressStream;
  /** In `auto` mode, force the in-place bar on or off; default: stream is a TTY and env CI is unset. */
  enabled?: boolean;
  /** Minimum ms between redraws of the bar (default 100) and between JSON lines (default 1000). */
  intervalMs?: number;
  /** Minimum ms between plain lines on a pipe (default 10,000). */
  plainIntervalMs?: number;
  /** On a pipe, work done in less than this many ms writes no line at all (default 2,000). */
  plainMinMs?: number;
}

/** A running progress meter. */
export interface Progress {
  /** Counts `n` (default 1) more items done. */
  tick(n?: number): void;
  /** Final line; later ticks are ignored. */
  done(): void;
  /** Items counted so far. */
  readonly count: number;
}

/** `95` -> `1m35s`, `9.4` -> `9s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** The text of one progress line (pure; exported for tests). */
export function progressLine(label: string, count: number, total: number, elapsedS: number): string {
  const rate = elapsedS > 0 ? count / elapsedS : 0;
  const parts = [label, total > 0 ? `${count}/${total}` : String(count), `${rate.toFixed(rate < 10 ? 1 : 0)}/s`];
  if (total > 0 && count < total) parts.push(`ETA ${rate > 0 ? formatDuration((total - count) / rate) : '?'}`);
  else parts.push(`in ${formatDuration(elapsedS)}`);
  return parts.join('  ');
}

/** `[######--------------]`: `width` cells, filled in proportion to count / total (pure). */
export function progressBar(count: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.floor((width * count) / total)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The JSON record of one progress state (pure; exported for tests). */
export function progressRecord(label: string, count: number, total: number, elapsedS: number, done: boolean) {
  const rate = elapsedS > 0 ? count / elapsedS : 0;
  const eta = total > 0 && rate > 0 ? Math.max(0, (total - count) / rate) : null;
  const round = (x: number) => Number(x.toFixed(2));
  return { event: 'progress', label, count, total, rate: round(rate), eta_s: eta === null ? null : round(eta), elapsed_s: round(elapsedS), done };
}

/** Starts a progress meter; a silent one only counts. */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const mode = opts.mode ?? 'auto';
  const tty = opts.enabled ?? (Boolean(stream.isTTY) && !process.env.CI);
  // What this meter writes: a bar in place, plain lines, JSON lines, or nothing.
  const style = mode === 'quiet' ? 'none' : mode === 'json' ? 'json' : tty ? 'bar' : opts.enabled === false || process.env.CI ? 'none' : 'plain';
  const interval = style === 'bar' ? (opts.intervalMs ?? 100) : style === 'json' ? (opts.intervalMs ?? 1000) : (opts.plainIntervalMs ?? 10_000);
  const t0 = performance.now();
  let count = 0;
  let lastWrite = style === 'bar' ? -Infinity : t0;
  let finished = false;
  const write = (final: boolean) => {
    const elapsed = (performance.now() - t0) / 1000;
    if (style === 'json') {
      stream.write(`${JSON.stringify(progressRecord(opts.label, count, opts.total, elapsed, final))}\n`);
    } else if (style === 'plain') {
      stream.write(`${progressLine(opts.label, count, opts.total, elapsed)}\n`);
    } else if (style === 'bar') {
      const [label, ...rest] = progressLine(opts.label, count, opts.total, elapsed).split('  ');
      const line = opts.total > 0 ? [label, progressBar(count, opts.total), ...rest].join('  ') : [label, ...rest].join('  ');
      stream.write(`\r${line.slice(0, (stream.columns ?? 100) - 1)}\x1b[K${final ? '\n' : ''}`);
    }
  };
  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      if (style === 'none') return;
      const now = performance.now();
      if (now - lastWrite >= interval) {
        lastWrite = now;
        write(false);
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (style === 'plain' && performance.now() - t0 < (opts.plainMinMs ?? 2000)) return;
      if (style !== 'none') write(true);
    },
    get count() {
      return count;
    },
  };
}

/**
 * A `(done, total)` callback that shows one meter per pass: a new meter starts when `done` is
 * the first count of a pass, and ends when `done` reaches `total`. For work reported as "items
 * so far of this pass" (a label update's scoring pass over every item).
 */
export function passProgress(label: string, mode: ProgressMode = 'auto', stream?: ProgressStream): (done: number, total: number) => void {
  let current: Progress | undefined;
  return (done, total) => {
    if (!current || done < current.count) {
      current?.done();
      current = createProgress({ total, label, mode, stream });
    }
    current.tick(done - current.count);
    if (done >= total) {
      current.done();
      current = undefined;
    }
  };
}

/**
 * Where a command's human-readable lines go in each mode: stderr (`auto`), nowhere (`quiet`), or
 * stderr as `{"event":"log","message":...}` JSON lines (`json`), so a `--json` run's stderr is all JSON.
 */
export function sayFor(mode: ProgressMode, stream: NodeJS.WritableStream = process.stderr): (line: string) => void {
  if (mode === 'quiet') return () => undefined;
  if (mode === 'json') return (line) => stream.write(`${JSON.stringify({ event: 'log', message: line })}\n`);
  return (line) => stream.write(`${line}\n`);
}
