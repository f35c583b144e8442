import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listImages, readImageFolder, resizeImage } from '../../src/data/image-folder.js';
import { InputError } from '../../src/errors.js';
import { locate } from '../../src/media/ffmpeg-path.js';
import { solidPng } from '../helpers/solid-png.js';

const root = mkdtempSync(path.join(tmpdir(), 'selavi-imgdir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A solid-colour JPEG made by ffmpeg from raw rgb24. */
function solidJpeg(file: string, w: number, h: number, rgb: [number, number, number]): void {
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) raw.set(rgb, i * 3);
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync(locate('ffmpeg').path, ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-i', 'pipe:0',
    '-frames:v', '1', '-q:v', '2', file], { input: raw });
}

describe('resizeImage', () => {
  it('keeps a constant image constant, up and down', () => {
    const src = new Uint8Array(5 * 7 * 3).fill(77);
    expect(Array.from(new Set(resizeImage(src, 5, 7, 3, 16, 11)))).toEqual([77]);
    expect(Array.from(new Set(resizeImage(src, 5, 7, 3, 2, 3)))).toEqual([77]);
  });

  it('averages 2x2 blocks when halving', () => {
    const src = Uint8Array.from([0, 100, 40, 40, 200, 100, 80, 80, 10, 10, 0, 0, 10, 10, 0, 0]);
    expect(Array.from(resizeImage(src, 4, 4, 1, 2, 2))).toEqual([100, 60, 10, 0]);
  });

  it('interpolates linearly between pixel centres when growing', () => {
    expect(Array.from(resizeImage(Uint8Array.from([0, 255]), 1, 2, 1, 1, 4))).toEqual([0, 64, 191, 255]);
  });

  it('returns a copy at the same size', () => {
    const src = Uint8Array.from([1, 2, 3, 4]);
    const out = resizeImage(src, 2, 2, 1, 2, 2);
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
    expect(out).not.toBe(src);
  });
});

describe('readImageFolder', () => {
  const dir = path.join(root, 'set');
  beforeAll(() => {
    solidPng(path.join(dir, 'cats', 'a.png'), 6, 4, [255, 0, 0, 255]);
    solidPng(path.join(dir, 'cats', 'deep', 'er', 'b.PNG'), 3, 3, [0, 0, 255, 128]); // half transparent
    solidJpeg(path.join(dir, 'dogs', 'c.jpg'), 16, 16, [0, 200, 0]);
    writeFileSync(path.join(dir, 'dogs', 'notes.txt'), 'not an image');
    solidPng(path.join(dir, 'dogs', '.hidden.png'), 2, 2, [1, 2, 3, 255]);
  });

  it('finds png/jpg at any depth, sorted, skipping hidden and other files', async () => {
    expect(await listImages(dir)).toEqual([
      path.join('cats', 'a.png'), path.join('cats', 'deep', 'er', 'b.PNG'), path.join('dogs', 'c.jpg'),
    ]);
  });

  it('decodes, resizes and labels by top folder', async () => {
    const set = await readImageFolder(dir, { size: [5, 8], labelsFromFolders: true });
    expect([set.n, set.h, set.w, set.c]).toEqual([3, 5, 8, 3]);
    expect(set.classes).toEqual(['cats', 'dogs']);
    expect(Array.from(set.truth ?? [])).toEqual([0, 0, 1]);
    const px = (i: number): number[] => Array.from(set.pixels.subarray(i * 40 * 3, i * 40 * 3 + 3));
    expect(px(0)).toEqual([255, 0, 0]);
    expect(px(1)).toEqual([0, 0, 128]); // alpha 128 laid over black
    const [r, g, b] = px(2);
    expect(r).toBeLessThan(20);
    expect(Math.abs(g - 200)).toBeLessThan(12); // JPEG is lossy
    expect(b).toBeLessThan(20);
    expect(set.skipped).toEqual([]);
  });

  it('gives one gray channel and honours background and limit', async () => {
    const set = await readImageFolder(dir, { size: 4, channels: 1, background: 255, limit: 2 });
    expect([set.n, set.c, set.pixels.length]).toEqual([2, 1, 32]);
    expect(set.pixels[0]).toBe(Math.round(0.299 * 255)); // red's luma
    expect(set.pixels[16]).toBe(Math.round(0.886 * 127 + 0.114 * 255)); // blue at half alpha over white
    expect(set.truth).toBeUndefined();
  });

  it('fails on a broken image naming it, or skips it with skipBad', async () => {
    const bad = path.join(root, 'bad');
    solidPng(path.join(bad, 'ok.png'), 2, 2, [9, 9, 9, 255]);
    writeFileSync(path.join(bad, 'broken.png'), 'not a png');
    writeFileSync(path.join(bad, 'broken.jpg'), 'not a jpeg');
    const e = await readImageFolder(bad, { size: 2 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).file).toMatch(/broken\.(png|jpg)$/);
    const set = await readImageFolder(bad, { size: 2, skipBad: true });
    expect(set.names).toEqual(['ok.png']);
    expect(set.skipped.map((s) => path.basename(s.path))).toEqual(['broken.jpg', 'broken.png']);
  });

  it('rejects an empty folder, a bad size, and loose images with labelsFromFolders', async () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    await expect(readImageFolder(empty, { size: 8 })).rejects.toThrow(/no .png\/.jpg/);
    await expect(readImageFolder(dir, { size: 0 })).rejects.toThrow(/positive integers/);
    const loose = path.join(root, 'loose');
    solidPng(path.join(loose, 'x.png'), 2, 2, [0, 0, 0, 255]);
    await expect(readImageFolder(loose, { size: 2, labelsFromFolders: true })).rejects.toThrow(/class folder/);
  });
});
