/**
 * Recursive folder walk that lists candidate video files in a stable order.
 * Sorted by path with plain code-unit comparison (not locale collation), so every machine and
 * every `--shard i/n` process sees the same list. Hidden entries (`.git`, `._x.mp4` resource
 * forks) are skipped; symlinks are followed, with a guard against directory cycles. Every other
 * file is named among the problems, so that what a run did not use is reported (skipped.csv):
 * an audio-only .m4a, a .png, a labels.csv beside the videos.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { SkippedItem } from '../data/types.js';
import { InputError } from '../errors.js';
import { isVideoFile, notVideoReason } from './video-extensions.js';

/** What a walk found. */
export interface WalkResult {
  /** Video-extension files, `root`-joined (relative if `root` is), sorted. */
  files: string[];
  /**
   * What will not be used, in walk order: entries with a video extension that cannot be used as
   * files (dangling link, FIFO, EACCES...), folders that cannot be listed, and every other file
   * (no video extension; named, never opened).
   */
  problems: SkippedItem[];
  /** How many of `problems` are files without a video extension. */
  notVideos: number;
}

/** Code-unit order: deterministic across locales, unlike `localeCompare`. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists video files under `root` (or `root` itself when it is a file).
 * @throws InputError when `root` does not exist or cannot be listed.
 */
export async function walkVideos(root: string): Promise<WalkResult> {
  const files: string[] = [];
  const problems: SkippedItem[] = [];
  let notVideos = 0;
  let st;
  try {
    st = await fsp.stat(root);
  } catch (err) {
    throw new InputError(root, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!st.isDirectory()) return { files: [root], problems, notVideos };

  const seen = new Set<string>();
  const visit = async (dir: string, isRoot: boolean): Promise<void> => {
    const real = await fsp.realpath(dir);
    if (seen.has(real)) return; // symlink cycle
    seen.add(real);
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isRoot) throw new InputError(dir, `cannot list: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      problems.push({ path: dir, reason: `cannot list directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      return;
    }
    entries.sort((a, b) => comparePaths(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const t = await fsp.stat(p);
          isDir = t.isDirectory();
          isFile = t.isFile();
        } catch (err) {
          if (isVideoFile(p)) problems.push({ path: p, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)} (dangling link?)` });
          continue;
        }
      }
      if (isDir) await visit(p, false);
      else if (isVideoFile(p)) {
        if (isFile) files.push(p);
        else problems.push({ path: p, reason: 'not a regular file' });
      } else if (isFile) {
        problems.push({ path: p, reason: notVideoReason(p) });
        notVideos++;
      }
    }
  };
  await visit(root, true);
  files.sort(comparePaths);
  return { files, problems, notVideos };
}
