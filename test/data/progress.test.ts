import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, progressLine } from '../../src/report/progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    }),
    { isTTY, columns: 80 },
  );
  return { stream, text: () => chunks.join('') };
}

describe('progress', () => {
  it('formats rate and ETA', () => {
    expect(progressLine('decode', 50, 200, 10)).toBe('decode  50/200  5.0/s  ETA 30s');
    expect(progressLine('probe', 200, 200, 125)).toBe('probe  200/200  1.6/s  in 2m05s');
    expect(formatDuration(3725)).toBe('1h02m');
  });

  it('draws on a TTY, stays silent on a pipe and under CI', () => {
    const tty = sink(true);
    const ci = process.env.CI;
    delete process.env.CI;
    try {
      const p = createProgress({ total: 3, label: 'decode', stream: tty.stream, intervalMs: 0 });
      p.tick();
      p.tick(2);
      p.done();
      p.tick(); // ignored after done
      expect(p.count).toBe(3);
      expect(tty.text()).toMatch(/\rdecode {2}1\/3 .*\rdecode {2}3\/3 .*in \d+s\x1b\[K\n$/s);

      const pipe = sink(false);
      const q = createProgress({ total: 3, label: 'x', stream: pipe.stream });
      q.tick();
      q.done();
      expect(pipe.text()).toBe('');

      process.env.CI = 'true';
      const tty2 = sink(true);
      const r = createProgress({ total: 3, label: 'x', stream: tty2.stream });
      r.tick();
      r.done();
      expect(tty2.text()).toBe('');
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });
});
