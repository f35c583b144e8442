/** Where the released-model fixture lives (`../shared/fixtures/selavi-official`, beside the clone). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const officialFixtureDir = path.resolve(repoRoot, '../shared/fixtures/selavi-official');
export const haveOfficialFixture = existsSync(path.join(officialFixtureDir, 'fixture.json'));
if (!haveOfficialFixture) console.warn(`skipping the released-model tests: ${officialFixtureDir} is absent`);

/** A file of the fixture. */
export const officialFixture = (name: string): string => path.join(officialFixtureDir, name);

/**
 * Asserts |a_i − b_i| ≤ rel·|b_i| + abs for every i; returns the worst relative error seen
 * (|a − b| / max(|b|, abs/rel)), for reporting.
 */
export function expectRelClose(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, abs: number): number {
  expect(a.length, 'lengths').toBe(b.length);
  let worst = 0;
  let at = -1;
  let worstRel = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - b[i]) - (rel * Math.abs(b[i]) + abs);
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
    worstRel = Math.max(worstRel, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), abs / rel));
  }
  expect(worst, `|a-b| > ${rel}·|b| + ${abs} at index ${at}: ${a[at]} vs ${b[at]}`).toBeLessThanOrEqual(0);
  return worstRel;
}
