import { describe, expect, it } from 'vitest';
import { clipStream, parallelMap, type ClipDecoder, type ClipRequest } from '../../src/data/clip-stream.js';
import type { DecodedClip } from '../../src/data/types.js';
import { MediaDecodeError } from '../../src/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake decoder with a ~256 KB clip, so a leak of 10,000 clips would be ~2.5 GB of RSS. */
function fakeDecoder(stats: { started: number; consumed: number; maxAlive: number }, delay: (i: number) => number): ClipDecoder {
  return async (req) => {
    stats.started++;
    // alive = started but not yet handed to the consumer (running + queued)
    stats.maxAlive = Math.max(stats.maxAlive, stats.started - stats.consumed);
    const d = delay(req.start);
    if (d > 0) await sleep(d);
    else await Promise.resolve();
    const frames = new Float32Array(64 * 1024);
    frames[0] = req.start;
    return { path: req.path, start: req.start, frames, frameShape: [1, 128, 128, 3], spec: new Float32Array(8), specShape: [2, 4], hasAudio: true };
  };
}

/** 10,000 synthetic (path, start) items, generated lazily. */
function* syntheticIndex(n: number): Generator<ClipRequest> {
  for (let i = 0; i < n; i++) yield { path: `video-${i}.mp4`, start: i };
}

describe('clipStream back-pressure', () => {
  it('keeps at most concurrency + queue clips alive over 10,000 items, and RSS flat (ordered)', async () => {
    const stats = { started: 0, consumed: 0, maxAlive: 0 };
    const concurrency = 4;
    const queue = 3;
    // Uneven delays (every 7th item slow) exercise head-of-line blocking in ordered mode.
    const decode = fakeDecoder(stats, (i) => (i % 7 === 0 ? 1 : 0));
    let expected = 0;
    let rssAfterWarmup = 0;
    let maxRss = 0;
    for await (const clip of clipStream(syntheticIndex(10_000), { decode, concurrency, queue, ordered: true })) {
      stats.consumed++;
      expect(clip.start).toBe(expected++);
      if (stats.consumed === 500) rssAfterWarmup = process.memoryUsage().rss;
      if (stats.consumed % 250 === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
      if (stats.consumed % 1000 === 0) await sleep(2); // a slow consumer now and then
    }
    expect(stats.consumed).toBe(10_000);
    expect(stats.maxAlive).toBeLessThanOrEqual(concurrency + queue);
    expect(stats.maxAlive).toBeGreaterThan(1); // it really ran in parallel
    // 10,000 clips x 256 KB = 2.5 GB if retained; flat memory stays within GC slack.
    expect(maxRss - rssAfterWarmup).toBeLessThan(200 * 1024 * 1024);
  });

  it('unordered: yields in completion order, same bound, every item once', async () => {
    const stats = { started: 0, consumed: 0, maxAlive: 0 };
    const decode = fakeDecoder(stats, (i) => (i % 5 === 0 ? 3 : 0));
    const seen = new Set<number>();
    let outOfOrder = 0;
    let prev = -1;
    for await (const clip of clipStream(syntheticIndex(2000), { decode, concurrency: 3, queue: 2, ordered: false })) {
      stats.consumed++;
      seen.add(clip.start);
      if (clip.start < prev) outOfOrder++;
      prev = clip.start;
    }
    expect(seen.size).toBe(2000);
    expect(outOfOrder).toBeGreaterThan(0);
    expect(stats.maxAlive).toBeLessThanOrEqual(5);
  });

  it('reports bad inputs through onSkip and goes on; a bug (non-input error) ends the stream', async () => {
    const skipped: string[] = [];
    const decode: ClipDecoder = async (req) => {
      if (req.start % 3 === 1) throw new MediaDecodeError(req.path, 'broken');
      return { path: req.path, start: req.start, frames: new Float32Array(3), frameShape: [1, 1, 1, 3], spec: new Float32Array(1), specShape: [1, 1], hasAudio: true };
    };
    const got: DecodedClip[] = [];
    for await (const c of clipStream(syntheticIndex(9), { decode, concurrency: 2, onSkip: (s) => skipped.push(`${s.path}: ${s.reason}`) })) got.push(c);
    expect(got.map((c) => c.start)).toEqual([0, 2, 3, 5, 6, 8]);
    expect(skipped).toEqual(['video-1.mp4: broken', 'video-4.mp4: broken', 'video-7.mp4: broken']);

    const buggy: ClipDecoder = async () => {
      throw new TypeError('bug');
    };
    await expect(async () => {
      for await (const _ of clipStream(syntheticIndex(3), { decode: buggy })) void _;
    }).rejects.toThrow('bug');
  });

  it('stops starting work and aborts running tasks when the consumer breaks out', async () => {
    let started = 0;
    let aborted = 0;
    const gen = parallelMap(
      syntheticIndex(1000),
      (_item, _i, signal) =>
        new Promise<number>((resolve) => {
          started++;
          const onAbort = () => {
            clearTimeout(t);
            aborted++;
            resolve(0);
          };
          const t = setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            resolve(1);
          }, 5);
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      { concurrency: 4, queue: 0 },
    );
    let n = 0;
    for await (const _ of gen) if (++n === 10) break;
    await sleep(20);
    expect(started).toBeLessThanOrEqual(14);
    expect(aborted).toBeGreaterThan(0);
  });
});
