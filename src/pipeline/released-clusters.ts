/**
 * The clusters a released model gives: per head, the fused log-probabilities (log softmax of the
 * video + audio logits), their argmax, the head that answers (`--head`, or the truth-free choice),
 * and the CSV `assign --weights` writes (`path,cluster,confidence,head0,...`). One place for the
 * one-process assign and the merge of its shards, so both write the same bytes.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { combineLogProbs } from '../sinkhorn/combine.js';
import { chooseHead } from '../train/choose-head.js';
import { argmaxRows } from '../util/argmax-rows.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { csvField } from '../util/csv-field.js';

export interface ReleasedClusters {
  /** Per head, [N, K] fused log-probabilities. */
  fused: Float32Array[];
  labels: Int32Array[];
  head: number;
  rule: string;
}

/** `sums[h]`: head h's video + audio logits, [N, K_h]. Writes the CSV to `out`. */
export function writeReleasedClusters(out: string, names: readonly string[], sums: readonly Float32Array[], ks: readonly number[], head: number | 'auto'): ReleasedClusters {
  const n = names.length;
  const fused = ks.map((k, h) => combineLogProbs([sums[h]!], n, k));
  const labels = fused.map((f, h) => argmaxRows(f, n, ks[h]!));
  const choice = head === 'auto' ? chooseHead(labels) : { head, rule: 'given by --head' };
  const h = choice.head;
  const k = ks[h]!;
  const header = ['path', 'cluster', 'confidence', ...labels.map((_, i) => `head${i}`)].join(',');
  const lines = names.map((name, i) => [csvField(name), labels[h]![i], Math.exp(fused[h]![i * k + labels[h]![i]!]!).toFixed(4), ...labels.map((l) => l[i])].join(','));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileAtomic(out, `${header}\n${lines.join('\n')}\n`);
  return { fused, labels, head: h, rule: choice.rule };
}
