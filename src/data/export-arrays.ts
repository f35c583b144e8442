/**
 * `--export DIR`: what a run computed, for retrieval, k-means on features or any analysis
 * outside selavi: `items.csv` (one `path` a row, the row order of every array),
 * `features-{video,audio,image}.npy` (N x D float32 pooled features) and `logits-head{h}.npy`
 * (N x K float32; for clips the video + audio logits of head h).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeNpy } from '../data/npy.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { csvField } from '../util/csv-field.js';

export function writeExport(dir: string, names: readonly string[], features: Partial<Record<'video' | 'audio' | 'image', Float32Array>>, logits: readonly Float32Array[], ks: readonly number[]): void {
  const n = names.length;
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'items.csv'), `path\n${names.map(csvField).join('\n')}${n ? '\n' : ''}`);
  for (const [m, data] of Object.entries(features)) {
    if (data) writeNpy(path.join(dir, `features-${m}.npy`), data, [n, n ? data.length / n : 0]);
  }
  logits.forEach((l, h) => writeNpy(path.join(dir, `logits-head${h}.npy`), l, [n, ks[h]]));
}
