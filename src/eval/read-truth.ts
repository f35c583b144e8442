/**
 * Reads a ground-truth label file in one of the benchmark formats (see {@link DetectedFormat}):
 * - `csv`: a header naming at least `path` and `label` (required: without it a first row could
 *   not be told from a header); other columns are ignored.
 * - `vggsound`: headerless, either the split files `YTID_START6.mp4,label` or the full list
 *   `YTID,START,label,split`; labels with commas are double-quoted.
 * - `kinetics`: header `label,youtube_id,time_start,time_end,split[,is_cc]`, any column order.
 * - `ave`: `Category&VideoID&Quality&StartTime&EndTime`, with or without that header line. The
 *   clip is the whole video (AVE ships `VideoID.mp4`); the times locate the event inside it.
 *
 * Rows naming the same clip are merged: with the same label they count as `duplicates`; with
 * different labels (45 AVE videos carry two or three labels) the clip is ambiguous, kept aside
 * in `ambiguousClips` and counted, never resolved by picking one label.
 */
import { InputError } from '../errors.js';
import { isYouTubeId, normalizePath, parseClipName } from './clip-name.js';
import { headerIndex, parseCsvRecords } from './csv-records.js';
import {
  aveLayout,
  detectTruthFormat,
  firstLine,
  TRUTH_FORMATS,
  vggSoundLayout,
  type DetectedFormat,
  type TruthFormat,
} from './detect-truth-format.js';
import { readText } from './read-text.js';

/** One labelled clip. How it can be matched depends on which of path / id / start it has. */
export interface TruthClip {
  /** Identity within the file: `path:…`, `clip:ID@START` or `id:ID`. */
  key: string;
  /** The file name or path the list gives (csv, VGG-Sound split files). */
  path?: string;
  /** YouTube id (VGG-Sound, Kinetics, AVE). */
  id?: string;
  /** Clip start, whole seconds (VGG-Sound, Kinetics); absent when the clip is the whole video. */
  start?: number;
  label: string;
  /** Every distinct label given to the clip; more than one only in `ambiguousClips`. */
  labels: string[];
  /** Line of its first row. */
  line: number;
}

/** The labels of a truth file. */
export interface TruthTable extends DetectedFormat {
  file: string;
  /** Clips with one label, in file order. */
  clips: TruthClip[];
  /** Clips given different labels on different rows: excluded from scoring. */
  ambiguousClips: TruthClip[];
  /** Data rows read. */
  rows: number;
  /** Rows repeating a clip with the same label (merged). */
  duplicates: number;
}

type Row = Omit<TruthClip, 'labels' | 'key'>;

function keyOf(row: Row): string {
  if (row.path !== undefined) return `path:${normalizePath(row.path)}`;
  if (row.start !== undefined) return `clip:${row.id}@${row.start}`;
  return `id:${row.id}`;
}

function csvRows(text: string, file: string): Row[] {
  const [header, ...records] = parseCsvRecords(text, file);
  const index = headerIndex(header.fields);
  for (const column of ['path', 'label']) {
    if (!index.has(column)) {
      throw new InputError(file, `no \`${column}\` column in the header (found: ${header.fields.join(', ')}); the csv format needs a header \`path,label\``);
    }
  }
  const p = index.get('path')!;
  const l = index.get('label')!;
  return records.map(({ fields, line }) => {
    if (!fields[p] || !fields[l]) throw new InputError(file, `line ${line}: expected a path and a label`);
    return { path: fields[p], label: fields[l], line };
  });
}

function vggSoundRows(text: string, file: string): Row[] {
  return parseCsvRecords(text, file).map(({ fields, line }) => {
    const layout = vggSoundLayout(fields);
    if (layout === 'vggsound-split' && fields[1] !== '') {
      const clip = parseClipName(fields[0])!;
      return { path: fields[0], id: clip.id, start: clip.start, label: fields[1], line };
    }
    if (layout === 'vggsound-full' && fields[2] !== '') {
      return { id: fields[0], start: Number(fields[1]), label: fields[2], line };
    }
    throw new InputError(
      file,
      `line ${line}: expected a VGG-Sound row \`YTID_START.mp4,label\` or \`YTID,START,label,split\`, got ${JSON.stringify(fields.join(','))}`,
    );
  });
}

function kineticsRows(text: string, file: string): Row[] {
  const [header, ...records] = parseCsvRecords(text, file);
  const index = headerIndex(header.fields);
  for (const column of ['label', 'youtube_id', 'time_start']) {
    if (!index.has(column)) {
      throw new InputError(
        file,
        `no \`${column}\` column in the header (found: ${header.fields.join(', ')}); the kinetics format needs \`label,youtube_id,time_start,time_end,split\``,
      );
    }
  }
  const l = index.get('label')!;
  const y = index.get('youtube_id')!;
  const t = index.get('time_start')!;
  return records.map(({ fields, line }) => {
    const start = Number(fields[t]);
    if (!fields[l] || !isYouTubeId(fields[y] ?? '') || fields[t] === '' || !(start >= 0)) {
      throw new InputError(file, `line ${line}: expected label, an 11-character youtube_id and time_start >= 0, got ${JSON.stringify(fields.join(','))}`);
    }
    // Clip files are named with the whole-second start (`ID_000030_000040.mp4`).
    return { id: fields[y], start: Math.floor(start), label: fields[l], line };
  });
}

function aveRows(text: string, file: string): Row[] {
  const rows: Row[] = [];
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  let first = true;
  lines.forEach((raw, k) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const layout = aveLayout(line);
    const isHeader = first && layout === 'ave-header';
    first = false;
    if (isHeader) return;
    const fields = line.split('&').map((f) => f.trim());
    if (layout !== 'ave' || fields[0] === '') {
      throw new InputError(file, `line ${k + 1}: expected \`Category&VideoID&Quality&StartTime&EndTime\`, got ${JSON.stringify(line.slice(0, 80))}`);
    }
    rows.push({ id: fields[1], label: fields[0], line: k + 1 });
  });
  return rows;
}

/** The layout of a file whose format the user named (its rows have been checked already). */
function layoutOf(format: TruthFormat, text: string, file: string): string {
  if (format === 'vggsound') return vggSoundLayout(parseCsvRecords(firstLine(text), file)[0]?.fields ?? []) ?? 'vggsound-split';
  if (format === 'ave') return aveLayout(firstLine(text)) ?? 'ave';
  return format;
}

/** Merges rows naming the same clip; splits clips with one label from ambiguous ones. */
function mergeRows(rows: Row[]): { clips: TruthClip[]; ambiguousClips: TruthClip[]; duplicates: number } {
  const byKey = new Map<string, TruthClip>();
  let duplicates = 0;
  for (const row of rows) {
    const key = keyOf(row);
    const known = byKey.get(key);
    if (!known) byKey.set(key, { ...row, key, labels: [row.label] });
    else if (known.labels.includes(row.label)) duplicates += 1;
    else known.labels.push(row.label);
  }
  const clips: TruthClip[] = [];
  const ambiguousClips: TruthClip[] = [];
  for (const clip of byKey.values()) (clip.labels.length > 1 ? ambiguousClips : clips).push(clip);
  return { clips, ambiguousClips, duplicates };
}

/**
 * Parses the text of a truth file. `format` is `auto` (default: detected from the first line) or
 * a format name. Throws `InputError(file, reason)` for an unknown format, an empty file, a file
 * whose format cannot be detected, a missing header column, no data rows or a malformed row
 * (with its line number).
 * @example
 * const t = parseTruth('Cat&abcdefghijk&good&0&10\nDog&abcdefghijk&good&0&10\n', 'ave.txt');
 * // t.format 'ave', t.clips [], t.ambiguousClips[0].labels ['Cat', 'Dog']
 */
export function parseTruth(text: string, file: string, options: { format?: string } = {}): TruthTable {
  const requested = options.format ?? 'auto';
  if (requested !== 'auto' && !(TRUTH_FORMATS as readonly string[]).includes(requested)) {
    throw new InputError(file, `unknown format ${JSON.stringify(requested)}: use auto, ${TRUTH_FORMATS.join(', ')}`);
  }
  if (firstLine(text) === '') throw new InputError(file, 'empty file: no truth labels');
  const detected = requested === 'auto' ? detectTruthFormat(text, file) : undefined;
  const format = detected?.format ?? (requested as TruthFormat);
  const rows =
    format === 'csv' ? csvRows(text, file)
    : format === 'vggsound' ? vggSoundRows(text, file)
    : format === 'kinetics' ? kineticsRows(text, file)
    : aveRows(text, file);
  if (rows.length === 0) throw new InputError(file, 'no label rows');
  const layout = detected?.layout ?? layoutOf(format, text, file);
  return { file, format, layout, rows: rows.length, ...mergeRows(rows) };
}

/**
 * Reads and parses a truth file (see {@link parseTruth}).
 * @example const truth = await readTruth('ave/Annotations.txt', { format: 'auto' });
 */
export async function readTruth(file: string, options: { format?: string } = {}): Promise<TruthTable> {
  return parseTruth(await readText(file), file, options);
}
