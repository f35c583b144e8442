import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProgress, formatDuration, passProgress, progressBar, progressLine, progressModeOf, sayFor } from '../../src/report/progress.js';

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
  let ci: string | undefined;
  beforeEach(() => {
    ci = process.env.CI;
    delete process.env.CI;
  });
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('formats rate, ETA and the bar', () => {
    expect(progressLine('decode', 50, 200, 10)).toBe('decode  50/200  5.0/s  ETA 30s');
    expect(progressLine('probe', 200, 200, 125)).toBe('probe  200/200  1.6/s  in 2m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(progressBar(0, 10, 10)).toBe('[----------]');
    expect(progressBar(5, 10, 10)).toBe('[#####-----]');
    expect(progressBar(12, 10, 10)).toBe('[##########]');
  });

  it('draws a bar in place on a TTY, and ignores ticks after done', () => {
    const tty = sink(true);
    const p = createProgress({ total: 3, label: 'decode', stream: tty.stream, intervalMs: 0 });
    p.tick();
    p.tick(2);
    p.done();
    p.tick();
    expect(p.count).toBe(3);
    expect(tty.text()).toMatch(/\rdecode {2}\[#{6}-{14}\] {2}1\/3 .*\rdecode {2}\[#{20}\] {2}3\/3 .*in \d+s\x1b\[K\n$/s);
  });

  it('writes plain lines on a pipe: one at the end, none for work done in under plainMinMs', () => {
    const none = sink(false);
    const quick = createProgress({ total: 3, label: 'x', stream: none.stream });
    quick.tick();
    quick.done();
    expect(none.text()).toBe('');
    const pipe = sink(false);
    const q = createProgress({ total: 3, label: 'x', stream: pipe.stream, plainMinMs: 0 });
    q.tick();
    q.tick();
    q.done();
    expect(pipe.text()).toMatch(/^x {2}2\/3 {2}[\d.]+\/s {2}ETA \S+\n$/);
    const every = sink(false);
    const r = createProgress({ total: 2, label: 'y', stream: every.stream, plainIntervalMs: 0, plainMinMs: 0 });
    r.tick();
    r.tick();
    r.done();
    expect(every.text().split('\n').filter(Boolean)).toHaveLength(3);
    expect(every.text()).not.toContain('\r');
  });

  it('is silent under CI and with --quiet', () => {
    process.env.CI = 'true';
    for (const isTTY of [true, false]) {
      const s = sink(isTTY);
      const p = createProgress({ total: 3, label: 'x', stream: s.stream });
      p.tick();
      p.done();
      expect(s.text()).toBe('');
    }
    delete process.env.CI;
    const s = sink(true);
    const p = createProgress({ total: 3, label: 'x', stream: s.stream, mode: 'quiet' });
    p.tick();
    p.done();
    expect(p.count).toBe(1);
    expect(s.text()).toBe('');
  });

  it('writes JSON lines with --json, even under CI, the last one done', () => {
    process.env.CI = 'true';
    const s = sink(false);
    const p = createProgress({ total: 4, label: 'train', stream: s.stream, mode: 'json', intervalMs: 0 });
    p.tick();
    p.tick(3);
    p.done();
    const lines = s.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ event: 'progress', label: 'train', count: 1, total: 4, done: false });
    expect(lines[2]).toMatchObject({ count: 4, total: 4, done: true });
    expect(typeof lines[2].rate).toBe('number');
  });

  it('passProgress starts one meter per pass', () => {
    const s = sink(false);
    const cb = passProgress('labels', 'json', s.stream);
    for (const pass of [0, 1]) {
      void pass;
      cb(2, 4);
      cb(4, 4);
    }
    const done = s.text().trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.done);
    expect(done.map((r) => r.count)).toEqual([4, 4]);
  });

  it('maps --quiet/--json to a mode, and says lines in that mode', () => {
    expect(progressModeOf({})).toBe('auto');
    expect(progressModeOf({ quiet: true })).toBe('quiet');
    expect(progressModeOf({ json: true, quiet: true })).toBe('json');
    const s = sink(false);
    sayFor('json', s.stream)('hello');
    sayFor('quiet', s.stream)('nothing');
    sayFor('auto', s.stream)('plain');
    expect(s.text()).toBe('{"event":"log","message":"hello"}\nplain\n');
  });
});
