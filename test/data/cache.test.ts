import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCache, parseShard } from '../../src/data/cache.js';
import { mergeCache } from '../../src/data/merge-cache.js';
import { mergeCacheIndexes } from '../../src/data/cache-index.js';
import { openCache } from '../../src/data/cache-reader.js';
import { ConfigError } from '../../src/errors.js';
import { decodeClip } from '../../src/media/decode-clip.js';
import { makeClip, tempDir } from '../media/fixtures.js';

let dir: string;
let videos: string;
const opts = { clipSeconds: 1, frames: 4, size: 16, concurrency: 2, progress: false } as const;

beforeAll(async () => {
  dir = await tempDir('selavi-cache-');
  videos = path.join(dir, 'videos');
  await fsp.mkdir(path.join(videos, 'sub'), { recursive: true });
  await makeClip(path.join(videos, 'a.mp4'), { video: 'ramp', seconds: 2, audio: 440 });
  await makeClip(path.join(videos, 'b.mp4'), { seconds: 1.5, audio: 1000 });
  await makeClip(path.join(videos, 'sub', 'c.mkv'), { seconds: 1, audio: 2000 });
  await makeClip(path.join(videos, 'sub', 'd e.mp4'), { video: 'ramp', seconds: 3, audio: 3000 });
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('buildCache + openCache', () => {
  it('two shards split the sorted files, merge into one index, and read back losslessly', async () => {
    const out = path.join(dir, 'cache');
    // Two "processes" at once, sharing the manifest file.
    const [s0, s1] = await Promise.all([
      buildCache({ ...opts, videos, out, shard: { index: 0, count: 2 } }),
      buildCache({ ...opts, videos, out, shard: { index: 1, count: 2 } }),
    ]);
    expect(s0.clips + s1.clips).toBe(4);
    expect(s0.clips).toBe(2);
    expect(s0.skipped).toEqual([]);
    let names = await fsp.readdir(out);
    expect(names).toEqual(expect.arrayContaining(['shard-0000-of-0002.bin', 'shard-0000-of-0002.json', 'shard-0001-of-0002.json', 'manifest.jsonl']));
    // No "last shard merges" rule: the merge is its own step.
    expect(names).not.toContain('index.json');
    expect(s0.mergedIndexFile ?? s1.mergedIndexFile).toBeUndefined();
    const merged = await mergeCache(out);
    expect(merged).toMatchObject({ shards: 2, clips: 4, videos: 4, skipped: 0 });
    names = await fsp.readdir(out);
    expect(names).toEqual(expect.arrayContaining(['index.json', 'skipped.csv']));
    expect(names.some((n) => n.endsWith('.tmp'))).toBe(false);

    const cache = await openCache(out);
    try {
      expect(cache.size).toBe(4);
      expect(cache.frameShape).toEqual([4, 16, 16, 3]);
      expect(cache.specShape).toEqual([49, 40]); // 1 s at the default 20 ms hop, 40 mel bins
      expect(cache.missingShards).toEqual([]);
      // shard 0 has files 0 and 2 of the sorted list, shard 1 has 1 and 3
      expect(cache.paths.map((p) => path.relative(videos, p))).toEqual(['a.mp4', 'sub/c.mkv', 'b.mp4', 'sub/d e.mp4']);
      // middle of each video (AAC priming makes containers ~20 ms longer than the lavfi duration)
      [0.5, 0, 0.25, 1].forEach((v, i) => expect(Math.abs(cache.starts[i] - v)).toBeLessThan(0.03));

      const direct = await decodeClip(cache.paths[3], cache.starts[3], opts);
      const got = cache.get(3);
      expect(Array.from(got.frames)).toEqual(Array.from(direct.frames)); // uint8 storage is lossless
      expect(Array.from(got.spec)).toEqual(Array.from(direct.spec));
      const viaRead = await cache.read(3);
      expect(Array.from(viaRead.frames)).toEqual(Array.from(got.frames));
      let n = 0;
      for await (const c of cache) expect(c.path).toBe(cache.paths[n++]);
      expect(n).toBe(4);
      expect([...cache].length).toBe(4);
      expect(() => cache.get(4)).toThrow(RangeError);
    } finally {
      cache.close();
    }
  });

  it('a rerun skips complete shards; other options into the same dir are refused', async () => {
    const out = path.join(dir, 'rerun');
    const first = await buildCache({ ...opts, videos, out });
    expect(first.alreadyComplete).toBe(false);
    expect(first.probed).toBe(4);
    const binStat = await fsp.stat(path.join(out, 'shard-0000-of-0001.bin'));
    const second = await buildCache({ ...opts, videos, out });
    expect(second.alreadyComplete).toBe(true);
    expect(second.clips).toBe(4);
    expect((await fsp.stat(path.join(out, 'shard-0000-of-0001.bin'))).mtimeMs).toBe(binStat.mtimeMs);
    await expect(buildCache({ ...opts, size: 32, videos, out })).rejects.toBeInstanceOf(ConfigError);

    // A killed run leaves no index: the shard is redone, and the manifest saves the probes.
    await fsp.rm(path.join(out, 'shard-0000-of-0001.json'));
    const third = await buildCache({ ...opts, videos, out });
    expect(third.alreadyComplete).toBe(false);
    expect(third.reused).toBe(4);
    expect(third.probed).toBe(0);
  });

  it('clips-per-video, a partial shard set, and --shard parsing', async () => {
    const out = path.join(dir, 'multi');
    const s = await buildCache({ ...opts, videos, out, clipsPerVideo: 2, shard: { index: 1, count: 3 } });
    expect(s.mergedIndexFile).toBeUndefined();
    const idx = await mergeCacheIndexes(out, { write: false });
    expect(idx.missingShards).toEqual([0, 2]);
    // shard 1 of 3 = file #1 of the sorted list = b.mp4 (~1.5 s): clips centred on halves, clamped
    expect(idx.clips.map((c) => path.basename(c.path))).toEqual(['b.mp4', 'b.mp4']);
    expect(idx.clips[0].start).toBe(0);
    expect(idx.clips[1].start).toBeGreaterThanOrEqual(0.5);
    expect(idx.clips[1].start).toBeLessThan(0.6);
    await expect(buildCache({ ...opts, videos, out, shard: { index: 0, count: 2 } })).rejects.toThrow(/3-way split/);
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('4/4')).toThrow(ConfigError);
    expect(() => parseShard('x')).toThrow(ConfigError);
    // The merge names what is missing, and writes nothing.
    await expect(mergeCache(out)).rejects.toThrow(/shards 0, 2 of 3 not complete: rerun those tasks/);
    expect((await fsp.readdir(out)).includes('index.json')).toBe(false);
    // A shard decoded with other settings: one line naming both, nothing written.
    await buildCache({ ...opts, videos, out, clipsPerVideo: 2, shard: { index: 0, count: 3 }, size: 8 });
    await buildCache({ ...opts, videos, out, clipsPerVideo: 2, shard: { index: 2, count: 3 } });
    await expect(mergeCache(out)).rejects.toThrow(/shard 1 was decoded with other options than shard 0/);
    expect((await fsp.readdir(out)).includes('index.json')).toBe(false);
  });

  it('--shard auto/n takes the task index from Slurm or a Kubernetes Indexed Job', () => {
    expect(parseShard('auto/8', { SLURM_ARRAY_TASK_ID: '5' })).toEqual({ index: 5, count: 8 });
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 7, count: 8 });
    expect(() => parseShard('auto/8', {})).toThrow(/neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set/);
    expect(() => parseShard('auto/8', { SLURM_ARRAY_TASK_ID: '8' })).toThrow(/0 <= i < n/);
    expect(() => parseShard('auto/8', { JOB_COMPLETION_INDEX: 'x' })).toThrow(/JOB_COMPLETION_INDEX=x is not a task index/);
  });
});
