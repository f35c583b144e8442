/**
 * Reads a clusters file: a CSV with a header naming at least the columns `path` and `cluster`
 * (in any order, any case; other columns such as `confidence` or `head0` are ignored).
 * `cluster` must be an integer; every path must appear once.
 */
import { InputError } from '../errors.js';
import { headerIndex, parseCsvRecords } from './csv-records.js';
import { readText } from './read-text.js';

/** The rows of a clusters file, in file order. */
export interface ClusterTable {
  /** The file they came from, for messages. */
  file: string;
  paths: string[];
  clusters: Int32Array;
}

/**
 * Parses the text of a clusters file. Throws `InputError(file, reason)` for an empty file,
 * a missing `path` or `cluster` column, no data rows, a non-integer cluster or a repeated path.
 * @example parseClusters('path,cluster\na.mp4,3\n', 'clusters.csv') // { paths: ['a.mp4'], clusters: Int32Array [3] }
 */
export function parseClusters(text: string, file: string): ClusterTable {
  if (text.trim() === '') throw new InputError(file, 'empty file: expected a CSV with a header `path,cluster`');
  const records = parseCsvRecords(text, file);
  const [header, ...rows] = records;
  const index = headerIndex(header.fields);
  for (const column of ['path', 'cluster']) {
    if (!index.has(column)) {
      throw new InputError(
        file,
        `no \`${column}\` column in the header (found: ${header.fields.join(', ')}); expected at least \`path,cluster\``,
      );
    }
  }
  if (rows.length === 0) throw new InputError(file, 'no rows after the header');
  const pathCol = index.get('path')!;
  const clusterCol = index.get('cluster')!;
  const paths: string[] = [];
  const clusters = new Int32Array(rows.length);
  const firstLine = new Map<string, number>();
  rows.forEach(({ fields, line }, k) => {
    const p = fields[pathCol] ?? '';
    const c = fields[clusterCol] ?? '';
    if (p === '') throw new InputError(file, `line ${line}: empty path`);
    if (!/^-?\d+$/.test(c) || !Number.isSafeInteger(Number(c)) || Math.abs(Number(c)) > 2 ** 31 - 1) {
      throw new InputError(file, `line ${line}: cluster ${JSON.stringify(c)} is not an integer`);
    }
    const seen = firstLine.get(p);
    if (seen !== undefined) throw new InputError(file, `line ${line}: path ${JSON.stringify(p)} already on line ${seen}`);
    firstLine.set(p, line);
    paths.push(p);
    clusters[k] = Number(c);
  });
  return { file, paths, clusters };
}

/**
 * Reads and parses a clusters file; an unreadable file is an `InputError` too.
 * @example const table = await readClusters('out/clusters.csv');
 */
export async function readClusters(file: string): Promise<ClusterTable> {
  return parseClusters(await readText(file), file);
}

