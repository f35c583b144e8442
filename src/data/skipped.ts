/**
 * The list of files a run could not use, reported once per path, and its `skipped.csv` form
 * (`path,reason`, RFC 4180 quoting so paths with commas, quotes or newlines survive).
 */
import type { SkippedItem } from './types.js';
import { writeFileAtomicAsync } from '../util/atomic-write.js';
import { csvField } from '../util/csv-field.js';

/** Collects skipped files; the first reason for a path wins, later ones are dropped. */
export class SkipLog {
  private readonly byPath = new Map<string, string>();

  /** Records `path` once; returns false when it was already recorded. */
  add(path: string, reason: string): boolean {
    if (this.byPath.has(path)) return false;
    // One line per item: ffmpeg reasons may carry newlines.
    this.byPath.set(path, reason.replace(/\s*\n\s*/g, ' ').trim());
    return true;
  }

  /** True when `path` was recorded. */
  has(path: string): boolean {
    return this.byPath.has(path);
  }

  get size(): number {
    return this.byPath.size;
  }

  /** Items in the order they were recorded. */
  items(): SkippedItem[] {
    return [...this.byPath].map(([path, reason]) => ({ path, reason }));
  }
}

/** `path,reason` CSV text with a header line. */
export function skippedToCsv(items: readonly SkippedItem[]): string {
  return ['path,reason', ...items.map((it) => `${csvField(it.path)},${csvField(it.reason)}`)].join('\n') + '\n';
}

/** Writes `skipped.csv` atomically (temp file + rename), so readers never see half a file. */
export async function writeSkippedCsv(file: string, items: readonly SkippedItem[]): Promise<void> {
  await writeFileAtomicAsync(file, skippedToCsv(items));
}
