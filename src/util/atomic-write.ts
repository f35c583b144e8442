/**
 * Atomic file writes: a temp file beside the target (same file system), fsync, then rename, so
 * readers and resumed runs see the old content or the new, never half a file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, promises as fsp, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

let tmpSeq = 0;

// pid + counter: unique across processes and across concurrent writers in one process.
const tempName = (file: string) => `${file}.${process.pid}.${++tmpSeq}.tmp`;

/** Writes `data` to `file` atomically, creating the parent folder. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The same without blocking the event loop (used by the decoders' shard and manifest writers). */
export async function writeFileAtomicAsync(file: string, data: string | Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
}
