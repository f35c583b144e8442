/**
 * The entries of a zip archive held in memory, as views into its bytes. PyTorch (>= 1.6) writes
 * checkpoints as zip archives of stored (uncompressed), 64-byte-aligned entries with zip64
 * records, so a stored entry's data is a `subarray` of the file's buffer: no copy, which matters
 * for 150-450 MB checkpoints (npm zip readers copy each entry out). Deflated entries (a checkpoint
 * re-zipped by hand) are inflated with node:zlib. CRCs are not checked.
 * Reference: PKWARE APPNOTE.TXT, sections 4.3.7 (local header), 4.3.12 (central directory),
 * 4.3.14-16 (end records, zip64), 4.5.3 (zip64 extra field).
 */
import { inflateRawSync } from 'node:zlib';
import { CheckpointError } from '../../errors.js';

/** A zip archive's entries by name. */
export interface ZipArchive {
  /** Entry names in central-directory order. */
  readonly names: string[];
  has(name: string): boolean;
  /** The entry's bytes (a view into the archive when stored); a CheckpointError when absent or damaged. */
  read(name: string): Uint8Array;
}

interface Entry {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const MAX32 = 0xffffffff;

/** True when `data` starts like a zip archive (a local header, or the end record of an empty one). */
export function looksLikeZip(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && ((data[2] === 3 && data[3] === 4) || (data[2] === 5 && data[3] === 6));
}

/**
 * Reads the central directory of the zip archive in `data`.
 * @example openZip(buffer, 'model.pth').read('archive/data.pkl')
 */
export function openZip(data: Uint8Array, file: string): ZipArchive {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const fail = (reason: string): never => {
    throw new CheckpointError(file, `zip archive: ${reason}`);
  };
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  const inside = (at: number, n: number) => at >= 0 && at + n <= data.length;

  // 1) the end-of-central-directory record: the last 22 bytes plus a comment of up to 64 KiB
  let end = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 0xffff); at--) {
    if (u32(at) === SIG_END) {
      end = at;
      break;
    }
  }
  if (end < 0) fail('no end-of-directory record (truncated?)');
  let count = u16(end + 10);
  let dirSize = u32(end + 12);
  let dirOffset = u32(end + 16);
  // 2) zip64: a locator just before the end record points at the zip64 end record
  if (end >= 20 && u32(end - 20) === SIG_LOCATOR64) {
    const end64 = u64(end - 20 + 8);
    if (!inside(end64, 56) || u32(end64) !== SIG_END64) fail('damaged zip64 end record (truncated?)');
    count = u64(end64 + 32);
    dirSize = u64(end64 + 40);
    dirOffset = u64(end64 + 48);
  }
  if (!inside(dirOffset, dirSize)) fail(`the central directory (${dirSize} bytes at ${dirOffset}) lies beyond the data (truncated?)`);

  // 3) the central directory: one header per entry
  const entries = new Map<string, Entry>();
  const utf8 = new TextDecoder('utf-8');
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (!inside(at, 46) || u32(at) !== SIG_CENTRAL) fail(`damaged central directory at byte ${at}`);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    if (!inside(at + 46, nameLength + extraLength)) fail(`damaged central directory at byte ${at}`);
    const name = utf8.decode(data.subarray(at + 46, at + 46 + nameLength));
    const entry: Entry = { method: u16(at + 10), compressedSize: u32(at + 20), size: u32(at + 24), localOffset: u32(at + 42) };
    // zip64 extra field: the 64-bit values of the fields saturated at 0xffffffff, in this order
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; x += 4 + u16(x + 2)) {
      if (u16(x) !== 0x0001) continue;
      let v = x + 4;
      for (const field of ['size', 'compressedSize', 'localOffset'] as const) {
        if (entry[field] !== MAX32) continue;
        entry[field] = u64(v);
        v += 8;
      }
    }
    entries.set(name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }

  const read = (name: string): Uint8Array => {
    const e = entries.get(name) ?? fail(`no entry ${name}`);
    // the local header's extra field (PyTorch's alignment padding) may differ from the central one
    if (!inside(e.localOffset, 30) || u32(e.localOffset) !== SIG_LOCAL) fail(`damaged local header of ${name}`);
    const start = e.localOffset + 30 + u16(e.localOffset + 26) + u16(e.localOffset + 28);
    if (!inside(start, e.compressedSize)) fail(`entry ${name} ends beyond the data (truncated?)`);
    const raw = data.subarray(start, start + e.compressedSize);
    if (e.method === 0) return raw;
    if (e.method !== 8) fail(`entry ${name} uses compression method ${e.method} (only stored and deflate are read)`);
    try {
      // No more than the size the directory declares: a small entry cannot inflate into gigabytes.
      const out = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      if (out.length !== e.size) fail(`entry ${name} inflates to ${out.length} bytes, its directory says ${e.size}`);
      return out;
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      return fail(`entry ${name} does not inflate (${(err as Error).message})`);
    }
  };
  return { names: [...entries.keys()], has: (name) => entries.has(name), read };
}
