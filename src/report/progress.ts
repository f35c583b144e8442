/**
 * A one-line progress meter for long work: `label  120/400  31.2/s  ETA 9s` redrawn in place.
 * Only when the stream is a TTY and `CI` is not set: logs and pipes stay free of `\r` noise.
 */

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Expected number of items (0 or unknown: no ETA). */
  total: number;
  label: string;
  /** Where to draw; default `process.stderr`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force on/off; default: stream is a TTY and env CI is unset. */
  enabled?: boolean;
  /** Minimum ms between redraws (default 100). */
  intervalMs?: number;
}

/** A running progress meter. */
export interface Progress {
  /** Counts `n` (default 1) more items done. */
  tick(n?: number): void;
  /** Final redraw and newline; later ticks are ignored. */
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

/** Starts a progress meter; a disabled one only counts. */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const enabled = opts.enabled ?? (Boolean((stream as { isTTY?: boolean }).isTTY) && !process.env.CI);
  const interval = opts.intervalMs ?? 100;
  const t0 = performance.now();
  let count = 0;
  let lastDraw = 0;
  let finished = false;
  const draw = () => {
    const line = progressLine(opts.label, count, opts.total, (performance.now() - t0) / 1000);
    const width = (stream as { columns?: number }).columns ?? 100;
    stream.write(`\r${line.slice(0, width - 1)}\x1b[K`);
  };
  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      if (!enabled) return;
      const now = performance.now();
      if (now - lastDraw >= interval) {
        lastDraw = now;
        draw();
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (enabled) {
        draw();
        stream.write('\n');
      }
    },
    get count() {
      return count;
    },
  };
}
