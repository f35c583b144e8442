/** Where the released-model fixture lives (`../shared/fixtures/selavi-official`, beside the clone). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readNpyArray } from '../../src/data/npy.js';

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

/**
 * The fixture's parity checks on what an engine computed for its two parity clips: pooled features
 * and every head's logits within 1e-3 relative + 1e-4 absolute, fused labels (argmax of video +
 * audio logits) exactly.
 */
export function expectOfficialParity(out: { features: { video: ArrayLike<number>; audio: ArrayLike<number> }; logits: { video: ArrayLike<number>; audio: ArrayLike<number> }[] }, part: 'features' | 'logits'): void {
  const npy = (name: string) => readNpyArray(officialFixture(name)).data;
  if (part === 'features') {
    expectRelClose(out.features.video, npy('parity-video-features.npy'), 1e-3, 1e-4);
    expectRelClose(out.features.audio, npy('parity-audio-features.npy'), 1e-3, 1e-4);
    return;
  }
  const labels = readNpyArray(officialFixture('parity-fused-labels.npy'));
  expect(labels.shape).toEqual([2, 2]);
  for (const h of [0, 1]) {
    const { video, audio } = out.logits[h];
    expectRelClose(video, npy(`parity-head${h}-video-logits.npy`), 1e-3, 1e-4);
    expectRelClose(audio, npy(`parity-head${h}-audio-logits.npy`), 1e-3, 1e-4);
    for (let i = 0; i < 2; i++) {
      const fused = Array.from({ length: 7 }, (_, k) => video[i * 7 + k] + audio[i * 7 + k]);
      expect(fused.indexOf(Math.max(...fused)), `clip ${i} head ${h}`).toBe(labels.data[i * 2 + h]);
    }
  }
}
