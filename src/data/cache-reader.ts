/**
 * Reading a clip cache for training: random access by clip number, synchronous or not, and
 * iteration. Record files stay on disk; each read is one positioned read of one record, so
 * memory does not depend on the cache size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { mergeCacheIndexes, type CacheContentOptions, type CacheIndex, type RecordLayout } from './cache-index.js';
import type { DecodedClip } from './types.js';

/** An open clip cache. Clip numbers run over all complete shards, in shard order. */
export interface ClipCache {
  readonly dir: string;
  /** Number of clips. */
  readonly size: number;
  readonly frameShape: [number, number, number, 3];
  readonly specShape: [number, number];
  /** The decode options the cache was built with. */
  readonly options: CacheContentOptions;
  /** Source video of each clip. */
  readonly paths: readonly string[];
  /** Start (seconds) of each clip in its video. */
  readonly starts: Float64Array;
  /** False where `--missing-audio silence` filled the audio. */
  readonly hasAudio: readonly boolean[];
  /** Shards not complete yet (a partial cache is readable). */
  readonly missingShards: readonly number[];
  /** The merged index. */
  readonly index: CacheIndex;
  /** Clip `i`, read synchronously (simple in a training loop; one small read). */
  get(i: number): DecodedClip;
  /** Clip `i`, read without blocking the event loop. */
  read(i: number): Promise<DecodedClip>;
  /** Clips in `order` (default 0..size-1), read one at a time. */
  clips(order?: Iterable<number>): AsyncGenerator<DecodedClip, void, undefined>;
  [Symbol.asyncIterator](): AsyncGenerator<DecodedClip, void, undefined>;
  [Symbol.iterator](): Generator<DecodedClip, void, undefined>;
  /** Closes the record files. */
  close(): void;
}

/** Turns one raw record into a clip (frames uint8 -> [0,1] float32; spec copied out of the record). */
export function decodeRecord(
  rec: Uint8Array,
  layout: RecordLayout,
  meta: { path: string; start: number; hasAudio: boolean; padded: boolean },
  frameShape: [number, number, number, 3],
  specShape: [number, number],
): DecodedClip {
  const frames = new Float32Array(layout.frameBytes);
  for (let i = 0; i < frames.length; i++) frames[i] = rec[i] / 255;
  const spec = new Float32Array(rec.buffer.slice(rec.byteOffset + layout.specOffset, rec.byteOffset + layout.recordBytes));
  return { path: meta.path, start: meta.start, frames, frameShape: [...frameShape], spec, specShape: [...specShape], hasAudio: meta.hasAudio, padded: meta.padded };
}

/**
 * Opens the cache in `dir` (all complete shards, merged in memory; `index.json` is not needed).
 * @throws InputError when `dir` holds no complete shard or a record file is missing or short.
 */
export async function openCache(dir: string): Promise<ClipCache> {
  if (os.endianness() !== 'LE') throw new InputError(dir, 'the clip cache stores little-endian floats; this machine is big-endian');
  const index = await mergeCacheIndexes(dir, { write: false });
  const { layout, frameShape, specShape } = index;
  const fds = new Map<number, number>();
  for (const s of index.shards) {
    const file = path.join(dir, s.bin);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      for (const f of fds.values()) fs.closeSync(f);
      throw new InputError(file, `cannot open shard records: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    fds.set(s.index, fd);
    const size = fs.fstatSync(fd).size;
    if (size < s.clips * layout.recordBytes) {
      for (const f of fds.values()) fs.closeSync(f);
      throw new InputError(file, `truncated: ${size} bytes for ${s.clips} records of ${layout.recordBytes}`);
    }
  }
  const clips = index.clips;
  const check = (i: number) => {
    if (!(Number.isInteger(i) && i >= 0 && i < clips.length)) throw new RangeError(`clip ${i} out of range 0..${clips.length - 1}`);
    return clips[i];
  };
  let closed = false;
  const fdOf = (shard: number) => {
    if (closed) throw new Error('clip cache is closed');
    return fds.get(shard)!;
  };

  const get = (i: number): DecodedClip => {
    const c = check(i);
    const rec = new Uint8Array(layout.recordBytes);
    const n = fs.readSync(fdOf(c.shard), rec, 0, rec.length, c.record * layout.recordBytes);
    if (n !== rec.length) throw new InputError(dir, `short read of clip ${i}`);
    return decodeRecord(rec, layout, c, frameShape, specShape);
  };
  const read = (i: number): Promise<DecodedClip> =>
    new Promise((resolve, reject) => {
      let c;
      try {
        c = check(i);
      } catch (err) {
        reject(err);
        return;
      }
      const rec = new Uint8Array(layout.recordBytes);
      fs.read(fdOf(c.shard), rec, 0, rec.length, c.record * layout.recordBytes, (err, n) => {
        if (err) reject(err);
        else if (n !== rec.length) reject(new InputError(dir, `short read of clip ${i}`));
        else {
          try {
            resolve(decodeRecord(rec, layout, c, frameShape, specShape));
          } catch (e) {
            reject(e); // thrown here it would escape the promise and end the process
          }
        }
      });
    });
  async function* iterate(order?: Iterable<number>): AsyncGenerator<DecodedClip, void, undefined> {
    if (!order) for (let i = 0; i < clips.length; i++) yield await read(i);
    else for (const i of order) yield await read(i);
  }

  return {
    dir,
    size: clips.length,
    frameShape,
    specShape,
    options: index.options,
    paths: clips.map((c) => c.path),
    starts: Float64Array.from(clips, (c) => c.start),
    hasAudio: clips.map((c) => c.hasAudio),
    missingShards: index.missingShards,
    index,
    get,
    read,
    clips: iterate,
    [Symbol.asyncIterator]: () => iterate(),
    *[Symbol.iterator]() {
      for (let i = 0; i < clips.length; i++) yield get(i);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fd of fds.values()) fs.closeSync(fd);
    },
  };
}
