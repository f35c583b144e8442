import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdx, readIdxImages } from '../../src/data/idx.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'selavi-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** IDX bytes: magic 00 00 08 <ndim>, big-endian dims, data. */
function idx(dims: number[], data: number[], type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

function write(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

// Three 2x3 images whose pixels encode (image, row, col), and their labels.
const pixels = Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 7);
const images = idx([3, 2, 3], pixels);
const labels = idx([3], [9, 0, 4]);

async function rejection(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('readIdxImages', () => {
  it('reads a plain image/label pair into an ImageSet', async () => {
    const set = await readIdxImages(write('a-images-idx3-ubyte', images), write('a-labels-idx1-ubyte', labels));
    expect([set.n, set.h, set.w, set.c]).toEqual([3, 2, 3, 1]);
    expect(Array.from(set.pixels)).toEqual(pixels);
    expect(Array.from(set.truth ?? [])).toEqual([9, 0, 4]);
    expect(set.names).toEqual(['idx:0', 'idx:1', 'idx:2']);
  });

  it('reads gzip files, told by content not by name', async () => {
    const gz = await readIdxImages(write('b-images-idx3-ubyte.gz', gzipSync(images)), write('b-labels', gzipSync(labels)));
    expect(Array.from(gz.pixels)).toEqual(pixels);
    expect(Array.from(gz.truth ?? [])).toEqual([9, 0, 4]);
  });

  it('reads images without labels, and honours limit', async () => {
    const set = await readIdxImages(write('c-images', images), undefined, { limit: 2 });
    expect(set.n).toBe(2);
    expect(set.truth).toBeUndefined();
    expect(Array.from(set.pixels)).toEqual(pixels.slice(0, 12));
  });

  it('rejects a label count that differs from the image count', async () => {
    const lf = write('d-labels', idx([2], [1, 2]));
    const e = await rejection(readIdxImages(write('d-images', images), lf));
    expect(e.file).toBe(lf);
    expect(e.reason).toMatch(/2 labels for 3 images/);
  });

  it('rejects a label file given as images (wrong rank)', async () => {
    const e = await rejection(readIdxImages(write('e-labels', labels)));
    expect(e.reason).toMatch(/3 dimensions/);
  });
});

describe('readIdx: malformed files', () => {
  it('names the file and the reason for a bad magic number', async () => {
    const f = write('bad-magic', Buffer.from([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0]));
    const e = await rejection(readIdx(f));
    expect(e.file).toBe(f);
    expect(e.message).toContain(f);
    expect(e.reason).toMatch(/magic/);
  });

  it('rejects an unsupported type code', async () => {
    const e = await rejection(readIdx(write('float', idx([1], [0, 0, 0, 0], 0x0d))));
    expect(e.reason).toMatch(/type code 0x0d/);
  });

  it('rejects truncated data and truncated headers', async () => {
    expect((await rejection(readIdx(write('short', images.subarray(0, images.length - 1))))).reason).toMatch(/truncated/);
    expect((await rejection(readIdx(write('short-head', images.subarray(0, 9))))).reason).toMatch(/header/);
    expect((await rejection(readIdx(write('tiny', Buffer.from([0, 0]))))).reason).toMatch(/magic/);
  });

  it('rejects trailing bytes and corrupt gzip', async () => {
    expect((await rejection(readIdx(write('long', Buffer.concat([labels, Buffer.from([1])]))))).reason).toMatch(/file has 4/);
    const gz = gzipSync(images);
    expect((await rejection(readIdx(write('corrupt.gz', gz.subarray(0, gz.length - 8))))).reason).toMatch(/gzip/);
  });

  it('reports a missing file as InputError', async () => {
    const e = await rejection(readIdx(path.join(dir, 'nope')));
    expect(e.reason).toMatch(/cannot read/);
  });

  it('parseIdx reads dims big-endian', () => {
    const a = parseIdx(idx([1, 256, 1], new Array(256).fill(3)), 'mem');
    expect(a.dims).toEqual([1, 256, 1]);
    expect(a.data.length).toBe(256);
  });
});
