/**
 * Reading and writing NumPy `.npy` files (format versions 1.0–3.0), the interchange format of
 * `selavi sinkhorn`. Only what the tool needs: little-endian float32/float64 matrices in C order
 * to read, int32/float32 arrays to write. The file is read straight into one typed array in
 * chunks, so a 4 GB score matrix costs 4 GB, not 8.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * An array of any rank read from .npy, always as float32 (float64 and integer files are converted
 * a block at a time; integers beyond 2^24 lose precision).
 */
export interface NpyArray {
  data: Float32Array;
  shape: number[];
  /** The dtype on disk. */
  dtype: '<f4' | '<f8' | '<i4' | '<i8';
}

/** A 2-D matrix read from .npy, always as float32 (float64 files are narrowed row by row). */
export interface NpyMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
  /** The dtype on disk: `<f4` or `<f8`. */
  dtype: '<f4' | '<f8';
}

/** The dtypes read, each viewing a block of raw little-endian bytes. */
const WIDENED: Record<string, (b: ArrayBuffer) => ArrayLike<number | bigint>> = {
  '<f4': (b) => new Float32Array(b),
  '<f8': (b) => new Float64Array(b),
  '<i4': (b) => new Int32Array(b),
  '<i8': (b) => new BigInt64Array(b),
};

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** Parses the header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`. */
export function parseNpyHeader(file: string, header: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InputError(file, `malformed .npy header: ${JSON.stringify(header.trim().slice(0, 120))}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new InputError(file, `malformed .npy shape (${shapeText})`);
  return { descr, fortran: fortran === 'True', shape };
}

function readExactly(fd: number, buf: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < buf.length) {
    const got = readSync(fd, buf, done, Math.min(buf.length - done, 1 << 26), position + done);
    if (got === 0) throw new InputError(file, `truncated .npy: expected ${buf.length} data bytes, file ends after ${done}`);
    done += got;
  }
}

/**
 * Where to read the values: given the array's rows (product of all axes but the last) and
 * columns, a float32 array of that size, or undefined to have one allocated. Lets a caller read a
 * file straight into memory it owns (the Sinkhorn threads' shared memory): no second copy.
 * Not used for Fortran-order files, which need a reordering copy anyway.
 */
export type NpyDestination = (rows: number, cols: number) => Float32Array | undefined;

/**
 * Reads an N x K float32 or float64 C-order matrix.
 * @example const { data, rows, cols } = readNpyMatrix('logits.npy');
 */
export function readNpyMatrix(file: string, into?: NpyDestination): NpyMatrix {
  const { data, shape, dtype } = readNpyArray(file, 2, into);
  if (dtype !== '<f4' && dtype !== '<f8') throw new InputError(file, `dtype ${dtype} not supported (need float32 '<f4' or float64 '<f8')`);
  return { data, rows: shape[0], cols: shape[1], dtype };
}

/**
 * Reads a float32 or float64 C-order array of any rank (or of rank `rank` when given) as float32.
 * @example const { data, shape } = readNpyArray('features.npy'); // shape [N, 512]
 */
export function readNpyArray(file: string, rank?: number, into?: NpyDestination): NpyArray {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new InputError(file, `cannot open: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputError(file, 'a folder, not a .npy file');
    const size = stat.size;
    if (size === 0) throw new InputError(file, 'empty file (expected a .npy matrix)');
    const pre = Buffer.alloc(12);
    const got = readSync(fd, pre, 0, 12, 0);
    if (got < 10 || !pre.subarray(0, 6).equals(MAGIC)) throw new InputError(file, 'not a .npy file (bad magic bytes)');
    const major = pre[6];
    if (major < 1 || major > 3) throw new InputError(file, `unsupported .npy version ${major}.${pre[7]}`);
    const headerLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
    const headerStart = major === 1 ? 10 : 12;
    // A header longer than the file is damage, not a reason to allocate up to 4 GB.
    if (headerStart + headerLen > size) throw new InputError(file, `truncated .npy: its header claims ${headerLen} bytes, the file has ${size}`);
    const headerBuf = Buffer.alloc(headerLen);
    readExactly(fd, headerBuf, headerStart, file);
    const { descr, fortran, shape } = parseNpyHeader(file, headerBuf.toString(major === 3 ? 'utf8' : 'latin1'));
    if (!(descr in WIDENED)) throw new InputError(file, `dtype ${descr} not supported (need float32 '<f4' or float64 '<f8', or integers '<i4' / '<i8')`);
    if (rank === 2 && shape.length !== 2) throw new InputError(file, `expected a 2-D matrix (N x K), got shape (${shape.join(', ')})`);
    if (rank !== undefined && shape.length !== rank) throw new InputError(file, `expected ${rank} dimensions, got shape (${shape.join(', ')})`);
    // Row = the last axis; a 0-D or 1-D array is one row.
    const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
    const rows = shape.length <= 1 ? 1 : shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const itemSize = descr === '<f4' || descr === '<i4' ? 4 : 8;
    const dataStart = headerStart + headerLen;
    const expected = rows * cols * itemSize;
    if (size - dataStart < expected) {
      throw new InputError(file, `truncated .npy: shape (${shape.join(', ')}) needs ${expected} bytes, file has ${size - dataStart}`);
    }
    const given = fortran ? undefined : into?.(rows, cols);
    if (given && given.length !== rows * cols) throw new RangeError(`npy: destination holds ${given.length} values, expected ${rows * cols}`);
    const data = given ?? new Float32Array(rows * cols);
    if (descr === '<f4') {
      readExactly(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart, file);
    } else {
      // Narrow to float32 a block of rows at a time: no second full-size array.
      const rowsPerBlock = Math.max(1, Math.floor((8 << 20) / Math.max(1, cols * itemSize)));
      for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
        const nRows = Math.min(rowsPerBlock, rows - r0);
        const raw = new Uint8Array(nRows * cols * itemSize);
        readExactly(fd, raw, dataStart + r0 * cols * itemSize, file);
        const block = WIDENED[descr](raw.buffer);
        for (let j = 0; j < block.length; j++) data[r0 * cols + j] = Number(block[j]);
      }
    }
    return { data: fortran ? fortranToC(data, shape) : data, shape, dtype: descr as NpyArray['dtype'] };
  } finally {
    closeSync(fd);
  }
}

/**
 * A Fortran-order array (the first axis varies fastest, as numpy saves a transposed view) in
 * C order. Walks C indices with an odometer and computes each one's Fortran offset.
 */
function fortranToC(raw: Float32Array, shape: readonly number[]): Float32Array {
  if (shape.length < 2) return raw;
  const data = new Float32Array(raw.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < raw.length; c++) {
    let off = 0;
    for (let a = shape.length - 1; a >= 0; a--) off = off * shape[a] + idx[a];
    data[c] = raw[off];
    for (let a = shape.length - 1; a >= 0 && ++idx[a] === shape[a]; a--) idx[a] = 0;
  }
  return data;
}

/** Serialises a 1-D or 2-D int32/float32 array as .npy version 1.0. */
export function encodeNpy(data: Int32Array | Float32Array, shape: readonly number[]): Buffer {
  const descr = data instanceof Int32Array ? '<i4' : '<f4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so that magic + version + length + header is a multiple of 64 (the format's alignment).
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Writes .npy atomically (temp file + rename), so a killed run never leaves half a file. */
export function writeNpy(file: string, data: Int32Array | Float32Array, shape: readonly number[] = [data.length]): void {
  writeFileAtomic(file, encodeNpy(data, shape));
}
