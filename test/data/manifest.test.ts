import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, loadManifest } from '../../src/data/manifest.js';
import { clipStarts, planClips } from '../../src/data/manifest-plan.js';
import { MediaDecodeError } from '../../src/errors.js';
import type { MediaInfo, ProbeOptions } from '../../src/media/probe.js';
import { walkVideos } from '../../src/media/walk-videos.js';
import { tempDir } from '../media/fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('selavi-manifest-');
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const info = (duration: number, audio = 1): MediaInfo => ({
  duration,
  formatName: 'fake',
  video: { codec: 'h264', width: 64, height: 48, fps: 25 },
  audioStreams: audio,
});

describe('walkVideos', () => {
  it('finds video extensions recursively, sorted by code unit, skipping hidden entries and naming other files', async () => {
    const root = path.join(dir, 'walk');
    await fsp.mkdir(path.join(root, 'sub dir', 'deeper'), { recursive: true });
    await fsp.mkdir(path.join(root, '.hidden'), { recursive: true });
    for (const f of ['b.MP4', 'a.mkv', 'notes.txt', 'sub dir/ü.webm', 'sub dir/deeper/Z.avi', '.hidden/x.mp4', '._a.mp4']) {
      await fsp.writeFile(path.join(root, f), 'x');
    }
    await fsp.symlink(path.join(root, 'gone.mp4.target'), path.join(root, 'gone.mp4'));
    await fsp.symlink(root, path.join(root, 'sub dir', 'loop')); // a cycle must not hang
    const { files, problems, notVideos } = await walkVideos(root);
    expect(files.map((f) => path.relative(root, f))).toEqual(['a.mkv', 'b.MP4', 'sub dir/deeper/Z.avi', 'sub dir/ü.webm']);
    expect(problems).toEqual([
      { path: path.join(root, 'gone.mp4'), reason: expect.stringMatching(/cannot read: ENOENT/) },
      { path: path.join(root, 'notes.txt'), reason: 'not a video file by its extension (.txt)' },
    ]);
    expect(notVideos).toBe(1);
  });
});

describe('buildManifest', () => {
  it('probes each file once; a rerun reuses unchanged files and re-probes changed ones', async () => {
    const cache = path.join(dir, 'cache');
    await fsp.mkdir(cache, { recursive: true });
    const files = ['one.mp4', 'two.mp4', 'bad.mp4', 'slow.mp4'].map((f) => path.join(dir, f));
    for (const f of files) await fsp.writeFile(f, 'data');
    const calls: string[] = [];
    const probe = async (file: string, _o: ProbeOptions): Promise<MediaInfo> => {
      calls.push(path.basename(file));
      if (file.endsWith('bad.mp4')) throw new MediaDecodeError(file, 'ffprobe: Invalid data found when processing input');
      if (file.endsWith('slow.mp4')) throw new MediaDecodeError(file, 'ffprobe timed out after 20s');
      return info(10);
    };
    const first = await buildManifest(files, { cacheDir: cache, probe, concurrency: 2 });
    expect(first.probed).toBe(4);
    expect(first.rows.map((r) => r.file)).toEqual(files); // input order, whatever the completion order
    expect(first.rows[2].error).toMatch(/Invalid data/);

    calls.length = 0;
    const second = await buildManifest(files, { cacheDir: cache, probe });
    // bad.mp4's failure is remembered; the timeout is retried
    expect(calls).toEqual(['slow.mp4']);
    expect(second.reused).toBe(3);
    expect(second.rows[0].info).toEqual(info(10));

    calls.length = 0;
    await fsp.writeFile(files[1], 'changed, longer');
    const third = await buildManifest(files, { cacheDir: cache, probe });
    expect(calls.sort()).toEqual(['slow.mp4', 'two.mp4']);
    expect(third.probed).toBe(2);
  });

  it('survives a torn last line and keeps NaN durations', async () => {
    const cache = path.join(dir, 'cache2');
    await fsp.mkdir(cache);
    const f = path.join(dir, 'nan.mp4');
    await fsp.writeFile(f, 'x');
    await buildManifest([f], { cacheDir: cache, probe: async () => info(Number.NaN) });
    await fsp.appendFile(path.join(cache, 'manifest.jsonl'), '{"path":"/x","si');
    const { entries } = await loadManifest(path.join(cache, 'manifest.jsonl'));
    expect(entries.size).toBe(1);
    expect(entries.get(path.resolve(f))?.info?.duration).toBeNaN();
  });
});

describe('planClips', () => {
  it('centres one clip per video; spreads several; 0 for short or unknown durations', () => {
    expect(clipStarts(10, 2)).toEqual([4]);
    expect(clipStarts(1, 2)).toEqual([0]);
    expect(clipStarts(Number.NaN, 2)).toEqual([0]);
    expect(clipStarts(10, 2, 2)).toEqual([1.5, 6.5]);
    expect(clipStarts(10, 2, 5)).toEqual([0, 2, 4, 6, 8]);
  });

  it('skips files before decoding: probe errors, no video, no audio (skip), too short (skip)', () => {
    const row = (file: string, i?: MediaInfo, error?: string) => ({ file, path: file, size: 1, mtimeMs: 1, info: i, error });
    const rows = [
      row('ok.mp4', info(10)),
      row('err.mp4', undefined, 'empty file (0 bytes)'),
      row('audio.mp4', { duration: 3, formatName: 'x', audioStreams: 1 }),
      row('mute.mp4', info(10, 0)),
      row('short.mp4', info(1)),
    ];
    const a = planClips(rows, { clipSeconds: 2, missingAudio: 'skip', short: 'skip' });
    expect(a.requests.map((r) => [r.path, r.start])).toEqual([['ok.mp4', 4]]);
    expect(a.skipped.map((s) => s.path)).toEqual(['err.mp4', 'audio.mp4', 'mute.mp4', 'short.mp4']);
    expect(a.skipped[1].reason).toMatch(/audio-only/);
    const b = planClips(rows, { clipSeconds: 2, missingAudio: 'silence', short: 'pad' });
    expect(b.requests.map((r) => r.path)).toEqual(['ok.mp4', 'mute.mp4', 'short.mp4']);
  });
});
