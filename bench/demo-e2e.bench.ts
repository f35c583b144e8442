/**
 * The built-in demo end to end: decode + train + label the 300-clip AV-digits sample with the
 * `make demo` settings, and report its scores, time, and the NMI of the clusters against the
 * known nuisance attributes (what the model clusters by when it does not cluster digits).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCluster } from '../src/pipeline/run-cluster.js';
import { DEFAULT_TRAIN } from '../src/train/selavi.js';
import { peakRssMb } from './lib/peak-rss.js';

const data = path.resolve('datasets/av-digits-demo');
const out = mkdtempSync(path.join(os.tmpdir(), 'selavi-demo-bench-'));
const summary = await runCluster({
  videos: path.join(data, 'clips'),
  out,
  train: { ...DEFAULT_TRAIN, epochs: 10, labelUpdates: 10 },
  decode: { frames: 4, size: 32, clipSeconds: 2, melBins: 40, hopMs: 20 },
  truth: path.join(data, 'labels.csv'),
  nuisance: path.join(data, 'meta.jsonl'),
  resume: false,
  say: () => undefined,
});
const log = readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const last = log.at(-1);
const m = summary.metrics as Record<string, number>;
console.log(
  JSON.stringify({
    bench: 'demo-e2e',
    clips: summary.items,
    seconds: summary.seconds,
    nmi: Number(m.nmi.toFixed(4)),
    ari: Number(m.ari.toFixed(4)),
    accuracy: Number(m.accuracy.toFixed(4)),
    nmi_video_head: last.nmi_modality_truth?.video,
    nmi_audio_head: last.nmi_modality_truth?.audio,
    nmi_nuisance: last.nmi_nuisance,
    peak_rss_mb: peakRssMb(),
  }),
);
process.exit(0);
