/**
 * Reads a folder of PNG/JPEG images (any nesting) into one {@link ImageSet} of a fixed size, for
 * SeLa's image-only mode. PNG is decoded in-process (pngjs); JPEG goes through ffmpeg, which
 * both decodes and scales it, because no JPEG decoder is a dependency and ffmpeg already is.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InputError } from '../errors.js';
import { locate } from '../media/ffmpeg-path.js';
import { runProcess } from '../media/run-process.js';
import type { ImageSet, SkippedItem } from './types.js';
import { luma } from '../util/luma.js';

interface PngImage {
  width: number;
  height: number;
  /** RGBA, 8 bits a sample (pngjs rescales 1/2/4/16-bit input and expands palettes). */
  data: Uint8Array;
}
// pngjs ships no type declarations; this is the one call used.
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(buf: Buffer): PngImage } } };

export interface ImageFolderOptions {
  /** Output size: one number for square, or [height, width]. Images are stretched to it. */
  size: number | [number, number];
  /** 3 for RGB (default), 1 for gray (ITU-R BT.601 luma). */
  channels?: 1 | 3;
  /** Take `truth` from the first folder level below the root (`root/<class>/...`). */
  labelsFromFolders?: boolean;
  /** Report unreadable images in `skipped` instead of failing on the first one. */
  skipBad?: boolean;
  /** Gray level 0..255 that transparent PNG pixels are laid over; default 0 (black). */
  background?: number;
  /** At most this many images, taken in sorted path order. */
  limit?: number;
}

/** The set, plus the class names behind `truth` and the images that were skipped. */
export interface ImageFolderSet extends ImageSet {
  /** `classes[truth[i]]` is image i's folder name, when `labelsFromFolders`. */
  classes?: string[];
  skipped: SkippedItem[];
}

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** Image files under `dir`, relative to it, in a stable (byte-wise sorted) order. */
export async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch (e) {
      throw new InputError(path.join(dir, rel), `cannot list folder: ${(e as Error).message}`);
    }
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue;
      const child = rel ? path.join(rel, ent.name) : ent.name;
      if (ent.isDirectory()) await walk(child);
      else if (ent.isFile() && EXTENSIONS.has(path.extname(ent.name).toLowerCase())) out.push(child);
    }
  };
  await walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Filter taps of one axis: for each output index, the first input index and its weights. */
function axisWeights(inSize: number, outSize: number): { start: Int32Array; weights: Float32Array[] } {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const weights: Float32Array[] = [];
  for (let o = 0; o < outSize; o++) {
    let lo: number;
    let w: Float32Array;
    if (scale > 1) {
      // Shrinking: area average, each input pixel weighted by how much of it the output covers.
      const a = o * scale;
      const b = (o + 1) * scale;
      lo = Math.floor(a);
      const hi = Math.min(inSize - 1, Math.ceil(b) - 1);
      w = new Float32Array(hi - lo + 1);
      for (let i = lo; i <= hi; i++) w[i - lo] = Math.min(b, i + 1) - Math.max(a, i);
    } else {
      // Growing: bilinear between the two nearest input pixel centres (edges clamped).
      const x = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
      lo = Math.min(Math.floor(x), Math.max(0, inSize - 2));
      const f = x - lo;
      w = inSize === 1 ? Float32Array.of(1) : Float32Array.of(1 - f, f);
    }
    let sum = 0;
    for (const v of w) sum += v;
    for (let k = 0; k < w.length; k++) w[k] /= sum;
    start[o] = lo;
    weights.push(w);
  }
  return { start, weights };
}

/**
 * Resizes an [h, w, c] uint8 image to [oh, ow, c], each axis on its own: area average when
 * shrinking (no aliasing), bilinear when growing.
 */
export function resizeImage(src: Uint8Array, h: number, w: number, c: number, oh: number, ow: number): Uint8Array {
  if (h === oh && w === ow) return src.slice(0, h * w * c);
  const ax = axisWeights(w, ow);
  const ay = axisWeights(h, oh);
  const mid = new Float32Array(h * ow * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const wt = ax.weights[x];
      const x0 = ax.start[x];
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < wt.length; k++) acc += wt[k] * src[(y * w + x0 + k) * c + ch];
        mid[(y * ow + x) * c + ch] = acc;
      }
    }
  }
  const out = new Uint8Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const wt = ay.weights[y];
    const y0 = ay.start[y];
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < wt.length; k++) acc += wt[k] * mid[((y0 + k) * ow + x) * c + ch];
        out[(y * ow + x) * c + ch] = Math.max(0, Math.min(255, Math.round(acc)));
      }
    }
  }
  return out;
}

/** Decodes a PNG to [h, w, 3] RGB with alpha laid over a gray `background`. */
export function decodePng(bytes: Buffer, file: string, background = 0): { h: number; w: number; rgb: Uint8Array } {
  let img: PngImage;
  try {
    img = PNG.sync.read(bytes);
  } catch (e) {
    throw new InputError(file, `cannot decode PNG: ${(e as Error).message}`);
  }
  const { width: w, height: h, data } = img;
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const a = data[i * 4 + 3] / 255;
    for (let ch = 0; ch < 3; ch++) rgb[i * 3 + ch] = Math.round(data[i * 4 + ch] * a + background * (1 - a));
  }
  return { h, w, rgb };
}

/** Kill ffmpeg after this long on one image (a still image takes milliseconds). */
const IMAGE_TIMEOUT_MS = 60_000;

/** Decodes and scales a JPEG (or anything ffmpeg reads as one frame) to [oh, ow, 3] RGB. */
export async function decodeWithFfmpeg(file: string, oh: number, ow: number): Promise<Uint8Array> {
  const ffmpeg = locate('ffmpeg').path;
  const args = ['-v', 'error', '-nostdin', '-i', file, '-frames:v', '1', '-vf', `scale=${ow}:${oh}:flags=area`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  const bytes = oh * ow * 3;
  let res;
  try {
    res = await runProcess(ffmpeg, args, { timeoutMs: IMAGE_TIMEOUT_MS, fds: { 1: { maxBytes: bytes } } });
  } catch (e) {
    throw new InputError(file, `cannot run ffmpeg: ${(e as Error).message}`);
  }
  const out = res.outputs[1];
  if (res.code !== 0 || out.length !== bytes || out.overflow > 0) {
    const why = res.stderrTail.trim().split('\n').slice(-2).join(' | ') || (res.timedOut ? `ffmpeg timed out after ${IMAGE_TIMEOUT_MS / 1000}s` : `ffmpeg exited with ${res.code ?? res.signal}`);
    throw new InputError(file, `cannot decode image: ${why}`);
  }
  return out.data;
}

function toChannels(rgb: Uint8Array, pixels: number, c: 1 | 3): Uint8Array {
  if (c === 3) return rgb;
  const gray = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    gray[i] = Math.round(luma(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]));
  }
  return gray;
}

/**
 * Reads every .png/.jpg/.jpeg under `dir` (hidden files and folders skipped) into an ImageSet of
 * `size`, in sorted path order; names are paths relative to `dir`.
 * @throws InputError when the folder has no images, an image cannot be decoded (unless
 *   `skipBad`), or `labelsFromFolders` meets an image directly under `dir`.
 * @example const set = await readImageFolder('photos', { size: 32, labelsFromFolders: true });
 */
export async function readImageFolder(dir: string, opts: ImageFolderOptions): Promise<ImageFolderSet> {
  const [h, w] = typeof opts.size === 'number' ? [opts.size, opts.size] : opts.size;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
    throw new InputError(dir, `image size must be positive integers, got ${h}x${w}`);
  }
  const c = opts.channels ?? 3;
  let files = await listImages(dir);
  if (opts.limit !== undefined) files = files.slice(0, Math.max(0, opts.limit));
  if (files.length === 0) throw new InputError(dir, 'no .png/.jpg/.jpeg images found');

  const decoded: (Uint8Array | undefined)[] = new Array(files.length);
  const skipped: SkippedItem[] = [];
  const decodeOne = async (i: number): Promise<void> => {
    const full = path.join(dir, files[i]);
    try {
      if (path.extname(full).toLowerCase() === '.png') {
        const png = decodePng(await readFile(full), full, opts.background ?? 0);
        decoded[i] = toChannels(resizeImage(png.rgb, png.h, png.w, 3, h, w), h * w, c);
      } else {
        decoded[i] = toChannels(await decodeWithFfmpeg(full, h, w), h * w, c);
      }
    } catch (e) {
      if (!opts.skipBad) throw e;
      skipped.push({ path: full, reason: e instanceof InputError ? e.reason : (e as Error).message });
    }
  };
  // Two at a time: JPEGs each cost an ffmpeg process, and the machine may have two cores.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) await decodeOne(next++);
  };
  await Promise.all([worker(), worker()]);

  const keep = files.map((_, i) => i).filter((i) => decoded[i] !== undefined);
  if (keep.length === 0) throw new InputError(dir, `none of the ${files.length} images could be decoded`);
  const pixels = new Uint8Array(keep.length * h * w * c);
  keep.forEach((i, k) => pixels.set(decoded[i] as Uint8Array, k * h * w * c));
  const set: ImageFolderSet = { n: keep.length, h, w, c, pixels, names: keep.map((i) => files[i]), skipped };
  if (opts.labelsFromFolders) {
    const top = set.names.map((name) => {
      const parts = name.split(path.sep);
      if (parts.length < 2) throw new InputError(path.join(dir, name), 'labelsFromFolders needs every image inside a class folder');
      return parts[0];
    });
    const classes = [...new Set(top)].sort();
    const index = new Map(classes.map((cl, k) => [cl, k]));
    set.classes = classes;
    set.truth = Int32Array.from(top, (cl) => index.get(cl) as number);
  }
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
  return set;
}
