/** Locations the reader tests use: the repo's fixtures and the shared real label files. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixture = (name: string): string => path.join(repoRoot, 'test/fixtures/eval', name);

/** A real benchmark file from `../shared/formats`, or undefined (with a note) when absent. */
export function sharedFile(name: string): string | undefined {
  const file = path.resolve(repoRoot, '../shared/formats', name);
  if (existsSync(file)) return file;
  console.warn(`skipping tests on ${name}: ${file} is absent`);
  return undefined;
}
