/**
 * CSV records with their line numbers, for readers that must name the line of a bad row.
 * Quoted fields (labels with commas), CRLF line ends and a UTF-8 BOM are handled by csv-parse.
 */
import { parse } from 'csv-parse/sync';
import { InputError } from '../errors.js';

/** One CSV record: its trimmed fields and the 1-based line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Parses `text` into records, skipping blank lines. A malformed file (e.g. an unclosed quote)
 * throws `InputError(file, reason)` with csv-parse's description of where.
 * @example parseCsvRecords('a,"b, c"\r\n', 'x.csv') // [{ fields: ['a', 'b, c'], line: 1 }]
 */
export function parseCsvRecords(text: string, file: string): CsvRecord[] {
  try {
    const rows = parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as { record: string[]; info: { lines: number } }[];
    return rows.map(({ record, info }) => ({ fields: record.map((f) => f.trim()), line: info.lines }));
  } catch (err) {
    throw new InputError(file, `not valid CSV: ${(err as Error).message}`);
  }
}

/**
 * Column positions by lower-cased header name (the first of repeated names wins).
 * @example headerIndex(['Path', 'cluster']).get('path') // 0
 */
export function headerIndex(fields: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  fields.forEach((f, i) => {
    const name = f.toLowerCase();
    if (!index.has(name)) index.set(name, i);
  });
  return index;
}
