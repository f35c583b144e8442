/**
 * Quality on AV digits (N=2000, seed 1): SeLaVi fused, video-only and audio-only, next to k-means
 * baselines on raw pixels, on the spectrogram's mean over time, and on both, all in one run.
 * Targets (issue): fused NMI ≥ 0.90 and ≥ 0.10 above the best single modality.
 * Env: QUALITY_N (2000), QUALITY_EPOCHS (10).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildAvDigits } from '../../tools/datasets/av-digits.js';
import { buildCache } from '../../src/data/cache.js';
import { openCache } from '../../src/data/cache-reader.js';
import { truthForItems } from '../../src/train/reference-labels.js';
import { runCluster } from '../../src/pipeline/run-cluster.js';
import { DEFAULT_TRAIN } from '../../src/train/selavi.js';
import type { Modality } from '../../src/models/selavi-model.js';
import { concatColumns, kmeansScore, round, standardise } from './baselines.js';

const n = Number(process.env.QUALITY_N ?? 2000);
const epochs = Number(process.env.QUALITY_EPOCHS ?? 10);
const root = path.resolve('.cache/quality');
const data = path.join(root, `av-digits-${n}`);
const decode = { frames: 4, size: 32, clipSeconds: 2, melBins: 40, hopMs: 20 };
const t0 = performance.now();

if (!existsSync(path.join(data, 'labels.csv'))) await buildAvDigits({ n, seed: 1, out: data, force: true });
const truthFile = path.join(data, 'labels.csv');

// ===== baselines on the decoded clips =====
const cacheDir = path.join(root, `av-digits-${n}-cache`);
await buildCache({ ...decode, videos: path.join(data, 'clips'), out: cacheDir });
const cache = await openCache(cacheDir);
const { truth } = await truthForItems(truthFile, cache.paths);
const [t, h, w] = cache.frameShape;
const [f, m] = cache.specShape;
const dv = t * h * w * 3;
const pixels = new Float32Array(cache.size * dv);
const specMean = new Float32Array(cache.size * m);
for (let i = 0; i < cache.size; i++) {
  const clip = cache.get(i);
  pixels.set(clip.frames, i * dv);
  for (let a = 0; a < f; a++) for (let b = 0; b < m; b++) specMean[i * m + b] += clip.spec[a * m + b] / f;
}
cache.close();
const pv = standardise(pixels, cache.size, dv);
const pa = standardise(specMean, cache.size, m);
const baselines = {
  kmeans_pixels: kmeansScore(pv, cache.size, dv, 10, truth),
  kmeans_audio_mean: kmeansScore(pa, cache.size, m, 10, truth),
  kmeans_both: kmeansScore(concatColumns(pv, dv, pa, m, cache.size), cache.size, dv + m, 10, truth),
};

// ===== SeLaVi: fused, and each modality alone =====
async function selavi(modalities: Modality[]) {
  const out = path.join(root, `run-av-digits-${n}-${modalities.join('+')}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const s = await runCluster({
    videos: path.join(data, 'clips'),
    out,
    train: { ...DEFAULT_TRAIN, modalities, epochs },
    decode,
    truth: truthFile,
    nuisance: path.join(data, 'meta.jsonl'),
    resume: false,
    say: () => undefined,
  });
  const mm = s.metrics as Record<string, number>;
  return { nmi: round(mm.nmi), ari: round(mm.ari), accuracy: round(mm.accuracy), seconds: s.seconds };
}
const fused = await selavi(['video', 'audio']);
const videoOnly = await selavi(['video']);
const audioOnly = await selavi(['audio']);
console.log(
  JSON.stringify({
    bench: 'quality-av-digits',
    clips: cache.size,
    epochs,
    selavi_fused: fused,
    selavi_video_only: videoOnly,
    selavi_audio_only: audioOnly,
    fused_minus_best_single_nmi: round(fused.nmi - Math.max(videoOnly.nmi, audioOnly.nmi)),
    ...baselines,
    seconds: round((performance.now() - t0) / 1000, 1),
  }),
);
process.exit(0);
