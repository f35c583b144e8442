/**
 * The released-model pass's data flow, with a stand-in network: clips decoded in file order with
 * at most `decodeJobs` at once and a bounded number ahead of the network, batches of the asked
 * size, unusable files skipped and named, a bug (not a UserError) stopping the pass; a network
 * that blocks the thread gets one clip decoded ahead.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MediaDecodeError } from '../../src/errors.js';
import type { ReleasedBatch, ReleasedBatchOutput, ReleasedNetwork } from '../../src/models/official/released-network.js';
import { decodeInOrder, officialPass, type OfficialClipTensors } from '../../src/pipeline/official-pass.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Decodes "clip-i" to frames and spec filled with i, after a delay that varies by clip; counts concurrency. */
function fakeDecoder(frameLen: number, specLen: number) {
  const stats = { running: 0, maxRunning: 0, started: [] as string[] };
  const decode = async (file: string): Promise<OfficialClipTensors> => {
    stats.started.push(file);
    stats.running++;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    const i = Number(file.split('-')[1]);
    await sleep(5 + ((i * 7) % 4) * 5); // later clips may finish first
    stats.running--;
    if (file.endsWith('broken')) throw new MediaDecodeError(file, 'no video stream');
    if (file.endsWith('bug')) throw new TypeError('a bug');
    return { frames: new Float32Array(frameLen).fill(i), spec: new Float32Array(specLen).fill(-i) };
  };
  return { decode, stats };
}

/** A network whose feature is the clip's fill value and whose one head's logits are [v, -v]. */
function fakeNetwork(blocks = false, onCpu = true): ReleasedNetwork & { batches: number[] } {
  const net = {
    engine: 'fake',
    heads: [2],
    featureDims: { video: 1, audio: 1 },
    blocksEventLoop: blocks,
    onCpu,
    batches: [] as number[],
    async run(batch: ReleasedBatch): Promise<ReleasedBatchOutput> {
      net.batches.push(batch.b);
      const per = batch.frames.length / batch.b;
      const v = Float32Array.from({ length: batch.b }, (_, i) => batch.frames[i * per]);
      const a = Float32Array.from({ length: batch.b }, (_, i) => batch.specs[(i * batch.specs.length) / batch.b]);
      await sleep(10);
      return { features: { video: v, audio: a }, logits: [{ video: Float32Array.from([...v].flatMap((x) => [x, -x])), audio: Float32Array.from([...a].flatMap((x) => [x, -x])) }] };
    },
    async dispose() {},
  };
  return net;
}

const shapes = { frameShape: [1, 2, 2, 3] as [number, number, number, 3], specShape: [2, 3] as [number, number] };

describe('decodeInOrder', () => {
  it('yields in file order with at most `jobs` decoding and `ahead` started before they are taken', async () => {
    const files = Array.from({ length: 10 }, (_, i) => `clip-${i}`);
    const { decode, stats } = fakeDecoder(12, 6);
    const seen: string[] = [];
    const startedWhenTaken: number[] = [];
    for await (const item of decodeInOrder(files, decode, 2, 3)) {
      seen.push(item.file);
      startedWhenTaken.push(stats.started.length);
      await sleep(15); // a slow consumer: the queue must not run ahead of the bound
    }
    expect(seen).toEqual(files);
    expect(stats.maxRunning).toBe(2);
    // When the i-th item (0-based) is taken, at most i + 1 + ahead have started (i taken, `ahead` queued behind it, refilled after the take).
    for (const [i, n] of startedWhenTaken.entries()) expect(n).toBeLessThanOrEqual(i + 1 + 3);
  });

  it('starts no queued decode once the consumer has stopped', async () => {
    const files = Array.from({ length: 10 }, (_, i) => `clip-${i}`);
    const { decode, stats } = fakeDecoder(12, 6);
    for await (const item of decodeInOrder(files, decode, 1, 6)) {
      expect(item.file).toBe('clip-0');
      break; // as when the network fails
    }
    await sleep(100); // time for every queued decode to have started, were it allowed to
    expect(stats.started.length).toBeLessThanOrEqual(2); // clip-0, and at most the one running when it stopped
  });

  it('carries a failed decode as an item, not a throw', async () => {
    const { decode } = fakeDecoder(12, 6);
    const items = [];
    for await (const item of decodeInOrder(['clip-0', 'clip-1-broken', 'clip-2'], decode, 2, 2)) items.push(item);
    expect(items.map((i) => i.ok)).toEqual([true, false, true]);
  });
});

describe('officialPass', () => {
  it('batches usable clips in file order, skips and names the broken ones', async () => {
    const files = ['clip-1', 'clip-2', 'clip-3-broken', 'clip-4', 'clip-5', 'clip-6'];
    const { decode, stats } = fakeDecoder(12, 6);
    const net = fakeNetwork();
    const skipped: string[] = [];
    let ticks = 0;
    const r = await officialPass(net, files, { decode, ...shapes, batchSize: 2, decodeJobs: 3, onSkip: (f, why) => skipped.push(`${f}: ${why}`), onClip: () => ticks++ });
    expect(r.names).toEqual(['clip-1', 'clip-2', 'clip-4', 'clip-5', 'clip-6']);
    expect(Array.from(r.features.video)).toEqual([1, 2, 4, 5, 6]);
    expect(Array.from(r.features.audio)).toEqual([-1, -2, -4, -5, -6]);
    expect(Array.from(r.logits[0].video)).toEqual([1, -1, 2, -2, 4, -4, 5, -5, 6, -6]);
    expect(net.batches).toEqual([2, 2, 1]);
    expect(skipped).toEqual(['clip-3-broken: no video stream']);
    expect(ticks).toBe(6);
    expect(stats.maxRunning).toBe(3);
  });

  it('stops on a bug in the decoder instead of skipping the file', async () => {
    const { decode } = fakeDecoder(12, 6);
    await expect(officialPass(fakeNetwork(), ['clip-1', 'clip-2-bug'], { decode, ...shapes, batchSize: 2 })).rejects.toThrow(/a bug/);
  });

  it('decodes one clip at a time beside a CPU network by default, one per core beside a GPU one', async () => {
    const files = Array.from({ length: 8 }, (_, i) => `clip-${i}`);
    const cpu = fakeDecoder(12, 6);
    await officialPass(fakeNetwork(false, true), files, { decode: cpu.decode, ...shapes, batchSize: 4 });
    expect(cpu.stats.maxRunning).toBe(1);
    const gpu = fakeDecoder(12, 6);
    await officialPass(fakeNetwork(false, false), files, { decode: gpu.decode, ...shapes, batchSize: 4 });
    expect(gpu.stats.maxRunning).toBe(Math.min(availableParallelism(), 8));
  });

  it('decodes one clip at a time beside a network that blocks the thread', async () => {
    const { decode, stats } = fakeDecoder(12, 6);
    const r = await officialPass(fakeNetwork(true), ['clip-1', 'clip-2', 'clip-3', 'clip-4'], { decode, ...shapes, batchSize: 2, decodeJobs: 4 });
    expect(r.names).toHaveLength(4);
    expect(stats.maxRunning).toBe(1);
  });
});
