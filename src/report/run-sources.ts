/**
 * Where a clusters CSV's items and reference labels live, recorded beside the CSV as
 * `<stem>.sources.json` (a run's `RUN/clusters.sources.json`) when the run ends, so `selavi
 * report` can find the videos, images, truth and nuisance files later. Paths are absolute: the
 * CSV's item paths are relative to `cwd`, the folder the run was started in.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** What the rows of a clusters CSV are. */
export interface ItemSource {
  /**
   * `videos`: paths of video files (relative to the run's cwd); `images`: image files relative to
   * the folder `path`; `idx`: rows `idx:<i>` of the IDX images file `path`.
   */
  kind: 'videos' | 'images' | 'idx';
  /** The folder or file the run was given. */
  path: string;
  /** `idx`: the IDX labels file that came with the images (their truth), if any. */
  labels?: string;
}

/** The record itself. */
export interface RunSources {
  /** Folder the run was started in (item paths in the CSV are relative to it). */
  cwd: string;
  /** What the items are; absent: video paths relative to `cwd`. */
  items?: ItemSource;
  /** Ground truth (`--truth`), reporting only. */
  truth?: string;
  truthFormat?: string;
  /** Nuisance attributes per file (`--nuisance`, JSONL). */
  nuisance?: string;
}

/** `RUN/clusters.csv` -> `RUN/clusters.sources.json`. */
export function sourcesFileOf(csv: string): string {
  return path.join(path.dirname(csv), `${path.basename(csv, path.extname(csv))}.sources.json`);
}

/** Writes the record for `csv`, every path made absolute against `cwd`. */
export function writeRunSources(csv: string, sources: RunSources): RunSources {
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(sources.cwd, p));
  const record: RunSources = {
    cwd: path.resolve(sources.cwd),
    ...(sources.items && { items: { kind: sources.items.kind, path: abs(sources.items.path)!, ...(sources.items.labels && { labels: abs(sources.items.labels) }) } }),
    ...(sources.truth && { truth: abs(sources.truth), truthFormat: sources.truthFormat ?? 'auto' }),
    ...(sources.nuisance && { nuisance: abs(sources.nuisance) }),
  };
  writeFileAtomic(sourcesFileOf(csv), `${JSON.stringify(record, null, 1)}\n`);
  return record;
}

/** The record beside `csv`, or undefined when there is none (a CSV from elsewhere). */
export function readRunSources(csv: string): RunSources | undefined {
  const file = sourcesFileOf(csv);
  if (!existsSync(file)) return undefined;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as RunSources;
    if (typeof json.cwd !== 'string') throw new Error('no "cwd"');
    return json;
  } catch (err) {
    throw new InputError(file, `not a sources record: ${(err as Error).message}`);
  }
}
