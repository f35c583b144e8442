/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic (two zero bytes, a
 * type code, the number of dimensions), one big-endian uint32 per dimension, then the data.
 * Files may be gzip'd; that is told by the content's first bytes, not by the name.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import type { ImageSet } from './types.js';

const gunzipAsync = promisify(gunzip);

/** An IDX array of unsigned bytes (type code 0x08, the only one the image data sets use). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses IDX bytes already in memory; `file` is only for error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new InputError(file, `not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InputError(file, 'not an IDX file: magic number does not start with two zero bytes');
  }
  const type = bytes[2];
  const ndim = bytes[3];
  if (type !== UBYTE) {
    throw new InputError(file, `IDX type code 0x${type.toString(16).padStart(2, '0')} is not supported (only 0x08, unsigned bytes)`);
  }
  if (ndim < 1 || ndim > 4) throw new InputError(file, `IDX with ${ndim} dimensions is not supported (1 to 4)`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new InputError(file, `truncated IDX header: ${bytes.length} bytes, need ${header}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - header;
  if (have !== count) {
    throw new InputError(file, `IDX dimensions ${dims.join('x')} need ${count} data bytes, file has ${have}${have < count ? ' (truncated)' : ''}`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** Reads an IDX file, gunzipping it when its content is gzip. */
export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new InputError(file, `cannot read: ${(e as Error).message}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      throw new InputError(file, `corrupt gzip data: ${(e as Error).message}`);
    }
  }
  return parseIdx(bytes, file);
}

export interface ReadIdxImagesOptions {
  /** Keep only the first `limit` images (and labels). */
  limit?: number;
}

/**
 * Reads an IDX image file (`*-images-idx3-ubyte[.gz]`, dims [n, h, w]) and optionally its label
 * file (`*-labels-idx1-ubyte[.gz]`, dims [n]) into a one-channel {@link ImageSet}. Names are
 * `idx:<i>`; labels become `truth`.
 * @throws InputError for a malformed file or a label count that differs from the image count.
 * @example const set = await readIdxImages('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
 */
export async function readIdxImages(imagesFile: string, labelsFile?: string, opts: ReadIdxImagesOptions = {}): Promise<ImageSet> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), labelsFile ? readIdx(labelsFile) : undefined]);
  if (images.dims.length !== 3) {
    throw new InputError(imagesFile, `an image file needs 3 dimensions (n, h, w), this one has ${images.dims.length}`);
  }
  const [total, h, w] = images.dims;
  if (labels && labelsFile) {
    if (labels.dims.length !== 1) {
      throw new InputError(labelsFile, `a label file needs 1 dimension (n), this one has ${labels.dims.length}`);
    }
    if (labels.dims[0] !== total) {
      throw new InputError(labelsFile, `${labels.dims[0]} labels for ${total} images in ${imagesFile}`);
    }
  }
  const n = opts.limit === undefined ? total : Math.max(0, Math.min(total, Math.floor(opts.limit)));
  const names = Array.from({ length: n }, (_, i) => `idx:${i}`);
  // Copy rather than view, so the (possibly much larger) decompressed file can be freed.
  const pixels = images.data.slice(0, n * h * w);
  const set: ImageSet = { n, h, w, c: 1, pixels, names };
  if (labels) set.truth = Int32Array.from(labels.data.subarray(0, n));
  return set;
}
