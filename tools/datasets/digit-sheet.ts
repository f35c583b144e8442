/**
 * OpenCV's sheet of handwritten digits (`digits.png` in Debian's `opencv-doc`): 2000x1000 gray,
 * 20x20-pixel cells, 100 cells a row, 50 rows; rows 5k..5k+4 hold the 500 samples of digit k,
 * white ink on black.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fetchDebianPackage, type DebianPackageOptions } from './debian-package.js';
import { decodePng } from '../../src/data/image-folder.js';
import { InputError } from '../../src/errors.js';

export const DIGIT_SHEET_PACKAGE = 'opencv-doc';
export const DIGIT_SHEET_PATH = 'usr/share/doc/opencv-doc/examples/data/digits.png';
export const CELL = 20;
const PER_ROW = 100;
const ROWS = 50;
const PER_CLASS = 500;
/** Only the first 250 cells of each class (row-major within its 5 rows) are used. */
export const CELLS_USED_PER_CLASS = 250;

/** The decoded sheet: one gray byte a pixel. */
export interface DigitSheet {
  file: string;
  gray: Uint8Array;
  width: number;
  height: number;
  /** Version of the Debian package it came from, when loaded with {@link loadDigitSheet}. */
  version?: string;
}

/** Global cell index (row * 100 + column) of the `j`-th cell of class `digit`. */
export function cellIndex(digit: number, j: number): number {
  if (!(digit >= 0 && digit <= 9 && j >= 0 && j < PER_CLASS)) throw new RangeError(`no cell ${j} of digit ${digit}`);
  return (digit * 5 + Math.floor(j / PER_ROW)) * PER_ROW + (j % PER_ROW);
}

/** The class of a global cell index, and its position `j` within that class. */
export function cellClass(cell: number): { digit: number; j: number } {
  const row = Math.floor(cell / PER_ROW);
  return { digit: Math.floor(row / 5), j: (row % 5) * PER_ROW + (cell % PER_ROW) };
}

/** Decodes a digits sheet PNG, checking its size. */
export async function readDigitSheet(file: string): Promise<DigitSheet> {
  const png = decodePng(await readFile(file), file);
  if (png.w !== PER_ROW * CELL || png.h !== ROWS * CELL) {
    throw new InputError(file, `expected a ${PER_ROW * CELL}x${ROWS * CELL} digits sheet, got ${png.w}x${png.h}`);
  }
  const gray = new Uint8Array(png.w * png.h);
  for (let i = 0; i < gray.length; i++) gray[i] = png.rgb[i * 3];
  return { file, gray, width: png.w, height: png.h };
}

/** Fetches `opencv-doc` when needed and decodes its digits sheet. */
export async function loadDigitSheet(opts: DebianPackageOptions = {}): Promise<DigitSheet> {
  const { root, version } = await fetchDebianPackage(DIGIT_SHEET_PACKAGE, opts);
  return { ...(await readDigitSheet(path.join(root, DIGIT_SHEET_PATH))), version };
}

/** The 20x20 gray pixels of a global cell index. */
export function cellPixels(sheet: DigitSheet, cell: number): Uint8Array {
  const row = Math.floor(cell / PER_ROW);
  const col = cell % PER_ROW;
  const out = new Uint8Array(CELL * CELL);
  for (let y = 0; y < CELL; y++) {
    const from = (row * CELL + y) * sheet.width + col * CELL;
    out.set(sheet.gray.subarray(from, from + CELL), y * CELL);
  }
  return out;
}
