/**
 * Reference labels for reporting only: ground truth (`--truth`, any format `selavi eval` reads)
 * and nuisance attributes (`--nuisance`, a JSONL file with a `path` and one field per attribute,
 * e.g. the AV-digits `meta.jsonl`), aligned to the training items. Never used to train or to
 * choose a head.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { matchClusters } from '../eval/match-clusters.js';
import { readTruth, type TruthTable } from '../eval/read-truth.js';

/** Truth per item (-1 where unknown) and the class names. */
export async function truthForItems(
  file: string,
  names: readonly string[],
  format = 'auto',
): Promise<{ truth: Int32Array; classes: string[]; matched: number; table: TruthTable }> {
  const table = await readTruth(file, { format });
  const match = matchClusters({ file: '(training items)', paths: [...names], clusters: new Int32Array(names.length) }, table);
  const classes: string[] = [];
  const ids = new Map<string, number>();
  const truth = new Int32Array(names.length).fill(-1);
  match.truthIndex.forEach((t, i) => {
    if (t < 0) return;
    const label = table.clips[t].label;
    let id = ids.get(label);
    if (id === undefined) {
      id = classes.length;
      ids.set(label, id);
      classes.push(label);
    }
    truth[i] = id;
  });
  if (match.matched === 0) throw new InputError(file, `no training item matched a row of this truth file (first item: ${names[0] ?? 'none'})`);
  return { truth, classes, matched: match.matched, table };
}

/**
 * Categorical attributes per item from a JSONL file (fields with string or boolean values), as
 * text, matched by file name; null where an item lacks the attribute. Attributes unique to
 * nearly every item (one value per item for half of them or more) are dropped.
 */
export function nuisanceValuesForItems(file: string, names: readonly string[]): Record<string, (string | null)[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const byName = new Map<string, Record<string, unknown>>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch {
      throw new InputError(file, `line ${i + 1} is not JSON`);
    }
    if (typeof row.path !== 'string') throw new InputError(file, `line ${i + 1} has no "path" field`);
    byName.set(path.basename(row.path), row);
  });
  const fields = new Set<string>();
  for (const row of byName.values()) {
    for (const [key, value] of Object.entries(row)) {
      if (key === 'path' || key === 'id') continue;
      if (typeof value === 'string' || typeof value === 'boolean') fields.add(key);
    }
  }
  const out: Record<string, (string | null)[]> = {};
  for (const field of fields) {
    const values = names.map((name) => {
      const v = byName.get(path.basename(name))?.[field];
      return v === undefined || v === null ? null : String(v);
    });
    const distinct = new Set(values.filter((v) => v !== null)).size;
    // A field unique per item (a voice id per clip, say) says nothing about clustering: drop it.
    if (distinct > 1 && distinct < names.length / 2) out[field] = values;
  }
  return out;
}

/** {@link nuisanceValuesForItems} as codes per attribute (-1 where missing), for the metrics. */
export function nuisancesForItems(file: string, names: readonly string[]): Record<string, Int32Array> {
  const out: Record<string, Int32Array> = {};
  for (const [field, values] of Object.entries(nuisanceValuesForItems(file, names))) {
    const codes = new Map<string, number>();
    out[field] = Int32Array.from(values, (v) => {
      if (v === null) return -1;
      if (!codes.has(v)) codes.set(v, codes.size);
      return codes.get(v)!;
    });
  }
  return out;
}
