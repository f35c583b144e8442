/**
 * A folder mixing good videos with every kind of broken input: each good clip comes through, each
 * bad file is reported once (path + reason) in the summary and in skipped.csv, and nothing hangs.
 */
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCache } from '../../src/data/cache.js';
import { openCache } from '../../src/data/cache-reader.js';
import { corruptMiddleCopy, isRoot, makeClip, tempDir, truncateCopy } from '../media/fixtures.js';

let dir: string;
let videos: string;
const root = isRoot();

beforeAll(async () => {
  dir = await tempDir('selavi-bad-');
  videos = path.join(dir, 'videos');
  await fsp.mkdir(videos);
  const v = (name: string) => path.join(videos, name);
  // good
  await makeClip(v('good.mp4'), { seconds: 1.5 });
  await makeClip(v('name with spaces é 日本.mp4'), { seconds: 1.5, audio: 500 });
  await makeClip(v('good.mkv'), { seconds: 1.5 });
  await makeClip(v('short.mp4'), { seconds: 0.4 }); // shorter than the 1 s span: padded by default
  // A directory named like a video is walked into, not opened: its contents count.
  await fsp.mkdir(v('folder.mp4'));
  await makeClip(path.join(v('folder.mp4'), 'inner.mp4'), { seconds: 1 });
  // bad
  const long = await makeClip(path.join(dir, 'long.mp4'), { seconds: 4 });
  await truncateCopy(long, v('truncated.mp4'), 0.6);
  await corruptMiddleCopy(long, v('corrupt-middle.mp4'));
  await fsp.writeFile(v('empty.mp4'), '');
  await fsp.writeFile(v('text.mp4'), 'this is not a video\n');
  await makeClip(v('no-audio.mp4'), { audio: false, seconds: 1.5 });
  await makeClip(v('audio-only.mp4'), { video: false, seconds: 1.5 });
  await fsp.symlink(path.join(dir, 'nowhere.mp4'), v('dangling-link.mp4'));
  await promisify(execFile)('mkfifo', [v('fifo.mp4')]);
  if (!root) {
    await makeClip(v('unreadable.mp4'), { seconds: 1 });
    await fsp.chmod(v('unreadable.mp4'), 0o000);
  }
  // (As root, chmod 000 does not stop reads; the dangling link and the FIFO cover the
  // "cannot open as a file" paths instead.)
});
afterAll(async () => {
  if (!root) await fsp.chmod(path.join(videos, 'unreadable.mp4'), 0o644).catch(() => undefined);
  await fsp.rm(dir, { recursive: true, force: true });
});

const common = { clipSeconds: 1, frames: 4, size: 16, concurrency: 2, progress: false, timeoutMs: 20_000 };

describe('bad input', () => {
  it('decodes every good clip and reports each bad file once, with a reason', async () => {
    const out = path.join(dir, 'cache');
    const summary = await buildCache({ ...common, videos, out });
    const rel = (p: string) => path.relative(videos, p);
    const reasons = Object.fromEntries(summary.skipped.map((s) => [rel(s.path), s.reason]));
    expect(reasons).toEqual({
      'truncated.mp4': expect.stringMatching(/moov atom not found|Invalid data/),
      'corrupt-middle.mp4': expect.stringMatching(/corrupt|Invalid|error/i),
      'empty.mp4': 'empty file (0 bytes)',
      'text.mp4': expect.stringMatching(/Invalid data/),
      'no-audio.mp4': expect.stringMatching(/no audio track/),
      'audio-only.mp4': expect.stringMatching(/no video stream/),
      'dangling-link.mp4': expect.stringMatching(/cannot read: ENOENT/),
      'fifo.mp4': 'not a regular file',
      ...(root ? {} : { 'unreadable.mp4': expect.stringMatching(/cannot read: EACCES/) }),
    });
    expect(summary.skipped.length).toBe(new Set(summary.skipped.map((s) => s.path)).size); // once each

    const csv = parse(await fsp.readFile(path.join(out, 'skipped.csv'), 'utf8'), { columns: true }) as { path: string; reason: string }[];
    expect(csv).toEqual(summary.skipped);

    const cache = await openCache(out);
    try {
      expect(cache.paths.map(rel)).toEqual(['folder.mp4/inner.mp4', 'good.mkv', 'good.mp4', 'name with spaces é 日本.mp4', 'short.mp4']);
      const short = cache.get(4);
      expect(short.padded).toBe(false); // fitted: its frames spread over what it has (the default)
      expect(short.frames.length).toBe(4 * 16 * 16 * 3);
      for (const c of cache) {
        expect(Math.min(...c.frames)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...c.frames)).toBeLessThanOrEqual(1);
        expect(c.spec.every(Number.isFinite)).toBe(true);
      }
    } finally {
      cache.close();
    }
  });

  it('names every file that is not a video by its extension in skipped.csv, without opening it', async () => {
    const mixed = path.join(dir, 'mixed');
    await fsp.mkdir(path.join(mixed, 'sub'), { recursive: true });
    await makeClip(path.join(mixed, 'clip.mp4'), { seconds: 1.5 });
    // An audio-only .m4a, a picture, notes, a file without extension: none is opened (garbage
    // content would give an ffprobe reason if it were).
    for (const name of ['song.m4a', 'sub/cover.PNG', 'notes.txt', 'README']) await fsp.writeFile(path.join(mixed, name), 'not read');
    const out = path.join(dir, 'cache-mixed');
    const summary = await buildCache({ ...common, videos: mixed, out });
    expect(summary.clips).toBe(1);
    const csv = parse(await fsp.readFile(path.join(out, 'skipped.csv'), 'utf8'), { columns: true }) as { path: string; reason: string }[];
    expect(Object.fromEntries(csv.map((r) => [path.relative(mixed, r.path), r.reason]))).toEqual({
      README: 'not a video file by its extension (none)',
      'notes.txt': 'not a video file by its extension (.txt)',
      'song.m4a': 'not a video file by its extension (.m4a: audio only)',
      'sub/cover.PNG': 'not a video file by its extension (.png: an image)',
    });
    const manifest = await fsp.readFile(path.join(out, 'manifest.jsonl'), 'utf8');
    expect(manifest).toContain('clip.mp4');
    expect(manifest).not.toMatch(/song\.m4a|cover|notes|README/); // named, never probed
  });

  it('a folder with no video file at all is one error that says what else it holds', async () => {
    const none = path.join(dir, 'no-videos');
    await fsp.mkdir(none);
    for (const name of ['a.m4a', 'b.png']) await fsp.writeFile(path.join(none, name), 'x');
    await expect(buildCache({ ...common, videos: none, out: path.join(dir, 'cache-none') })).rejects.toThrow(/no video files found \(.*; 2 other files, e\.g\. a\.m4a\)/);
  });

  it('--missing-audio silence keeps the silent video; --short skip drops the short one', async () => {
    const out = path.join(dir, 'cache-silence');
    const summary = await buildCache({ ...common, videos, out, missingAudio: 'silence', short: 'skip' });
    const skipped = new Map(summary.skipped.map((s) => [path.basename(s.path), s.reason]));
    expect(skipped.has('no-audio.mp4')).toBe(false);
    expect(skipped.get('short.mp4')).toMatch(/shorter than the clip span/);
    const cache = await openCache(out);
    try {
      const i = cache.paths.findIndex((p) => p.endsWith('no-audio.mp4'));
      expect(i).toBeGreaterThanOrEqual(0);
      expect(cache.hasAudio[i]).toBe(false);
      expect(cache.paths.some((p) => p.endsWith('short.mp4'))).toBe(false);
    } finally {
      cache.close();
    }
  });
});
