/**
 * A run folder made without training, for report tests and benches: `clusters.csv` over real
 * clips of the built-in demo (repeated when more rows than clips are asked for), the demo's
 * truth and nuisance files as its recorded sources, a config.json, a log.jsonl, and (unless
 * `cache: false`) what a run's clip cache tells the report: `cache/index.json` (each clip's span)
 * and `cache/manifest.jsonl` (duration, audio), as `selavi cluster` leaves them.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeRunSources } from '../../src/report/run-sources.js';

/** The project root (clip paths in the CSV are relative to it, as a run started there writes them). */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const DEMO = path.join(ROOT, 'datasets/av-digits-demo');

export interface SyntheticRun {
  dir: string;
  /** Row i's cluster. */
  clusters: number[];
  /** Row i's clip, relative to ROOT. */
  names: string[];
}

/**
 * Writes a run of `rows` items in `dir`: item i is demo clip i mod `clips` (sorted), in cluster
 * `clusterOf(i)`, with confidence falling with i inside each cluster.
 */
export function syntheticRun(dir: string, opts: { rows: number; clips: number; clusterOf: (i: number) => number; logEntries?: number; cache?: boolean }): SyntheticRun {
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(path.join(DEMO, 'clips')).filter((f) => f.endsWith('.mp4')).sort().slice(0, opts.clips);
  const names = Array.from({ length: opts.rows }, (_, i) => path.relative(ROOT, path.join(DEMO, 'clips', files[i % files.length])));
  const clusters = names.map((_, i) => opts.clusterOf(i));
  const lines = names.map((n, i) => `${n},${clusters[i]},${(0.99 - (i % 97) / 100).toFixed(4)},${clusters[i]}`);
  writeFileSync(path.join(dir, 'clusters.csv'), `path,cluster,confidence,head0\n${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ modalities: ['video', 'audio'], k: new Set(clusters).size, heads: 1, epochs: 2 }));
  const log = Array.from({ length: opts.logEntries ?? 4 }, (_, u) => ({
    event: u === (opts.logEntries ?? 4) - 1 ? 'final' : 'labels',
    step: u * 10,
    epoch: u / 2,
    loss: u === 0 ? null : 2.3 - 0.2 * u,
    changed: [1 / (u + 1)],
    nmi_truth: [0.05 + 0.01 * u],
    nmi_nuisance: { degradation: 0.3 + 0.05 * u, voice: 0.1 },
  }));
  writeFileSync(path.join(dir, 'log.jsonl'), `${log.map((e) => JSON.stringify(e)).join('\n')}\n`);
  if (opts.cache !== false) {
    // The demo's clips are 2 s long with audio: the run's clip is all of each.
    mkdirSync(path.join(dir, 'cache'), { recursive: true });
    const clips = files.map((f) => path.relative(ROOT, path.join(DEMO, 'clips', f)));
    writeFileSync(path.join(dir, 'cache', 'index.json'), JSON.stringify({ options: { clipSeconds: 2 }, clips: clips.map((p) => ({ path: p, start: 0, hasAudio: true })) }));
    writeFileSync(path.join(dir, 'cache', 'manifest.jsonl'), clips.map((p) => JSON.stringify({ path: path.join(ROOT, p), info: { duration: 2, audio: { codec: 'aac' } } })).join('\n'));
  }
  writeRunSources(path.join(dir, 'clusters.csv'), { cwd: ROOT, truth: path.join(DEMO, 'labels.csv'), nuisance: path.join(DEMO, 'meta.jsonl') });
  return { dir, clusters, names };
}
