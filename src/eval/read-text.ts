/**
 * Reads an input file as text, turning file-system errors into one-line `InputError`s.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';

/**
 * The file as UTF-8 text; a missing or unreadable file becomes `InputError(file, reason)`.
 * @example const text = await readText('labels.csv');
 */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError(file, e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : `cannot read: ${e.message}`);
  }
}
