/**
 * End-to-end self-labelling on tiny synthetic clips made with ffmpeg's lavfi sources: two
 * visual patterns x two tones. Checks that clusters are found from scratch (fused), from one
 * modality when the other carries nothing, that a killed-and-resumed run ends where an
 * uninterrupted one does, that the tensor count stays flat, and that truth never picks the head.
 */
import { tinyTrain } from '../helpers/tiny-train.js';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { locate } from '../../src/media/ffmpeg-path.js';
import { runCluster, type ClusterJob } from '../../src/pipeline/run-cluster.js';
import { runAssign } from '../../src/pipeline/assign.js';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';
import { nativeKernelState, registerNativeKernels, unregisterNativeKernels } from '../../src/engine/native-kernels.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';

const run = promisify(execFile);
const root = mkdtempSync(path.join(os.tmpdir(), 'selavi-train-'));

/**
 * 2 x `perClass` clips. Where the video carries the class, class c shows pattern c (a test card
 * or colour bars), else every clip shows the test card. Where the audio carries it, class c is a
 * tone whose loudness beats at a class rate (the model removes each mel bin's mean over time, so a
 * steady tone alone would say little), else every clip plays the same steady tone.
 */
async function makeSet(name: string, perClass: number, carrier: 'both' | 'video' | 'audio'): Promise<{ dir: string; truth: string }> {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const ff = locate('ffmpeg').path;
  const rows = ['path,label'];
  const jobs: Promise<unknown>[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < perClass; i++) {
      const file = path.join(dir, `clip-${String(c * perClass + i).padStart(3, '0')}-${(i * 7919 + c * 104729) % 1000}.mp4`);
      const videoCarries = carrier !== 'audio';
      const audioCarries = carrier !== 'video';
      const video = `${videoCarries && c === 1 ? 'smptebars' : 'testsrc'}=size=32x32:rate=8:duration=1.2`;
      const tone = c === 0 ? 400 + 10 * i : 2000 + 60 * i;
      const beat = c === 0 ? 2 : 7;
      const audio = audioCarries
        ? `aevalsrc=exprs='sin(2*PI*${tone}*t)*(0.6+0.4*sin(2*PI*${beat}*t))':s=16000:d=1.2`
        : 'sine=frequency=1000:duration=1.2';
      jobs.push(
        run(ff, ['-v', 'error', '-y', '-f', 'lavfi', '-i', video, '-f', 'lavfi', '-i', audio, '-shortest', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac', file]),
      );
      rows.push(`${path.basename(file)},${c}`);
    }
  }
  await Promise.all(jobs);
  const truth = path.join(dir, '..', `${name}-labels.csv`);
  writeFileSync(truth, `${rows.join('\n')}\n`);
  return { dir, truth };
}

const tinyTrainConfig = tinyTrain(2);

function job(videos: string, out: string, extra: Partial<ClusterJob> = {}): ClusterJob {
  return {
    videos,
    out,
    train: tinyTrainConfig,
    decode: { frames: 2, size: 16, clipSeconds: 1, melBins: 40, hopMs: 20, concurrency: 2 } as ClusterJob['decode'],
    resume: false,
    backend: 'wasm',
    say: () => undefined,
    // The gallery costs seconds a run (ffmpeg thumbnails); the first run below keeps it.
    report: false,
    ...extra,
  };
}

function readColumn(file: string, column: string): number[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const at = header.split(',').indexOf(column);
  return lines.map((l) => Number(l.split(',')[at]));
}

let av: { dir: string; truth: string };
let videoOnlySignal: { dir: string; truth: string };
let audioOnlySignal: { dir: string; truth: string };

beforeAll(async () => {
  [av, videoOnlySignal, audioOnlySignal] = await Promise.all([makeSet('av', 12, 'both'), makeSet('video-signal', 12, 'video'), makeSet('audio-signal', 20, 'audio')]);
});

describe('selavi cluster (end to end, tiny)', () => {
  it('finds the two classes from scratch (fused NMI 1.0) and writes every output', async () => {
    const out = path.join(root, 'run-av');
    const summary = await runCluster(job(av.dir, out, { truth: av.truth, report: true }));
    expect(summary.items).toBe(24);
    expect(summary.metrics?.nmi).toBe(1);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    const header = readFileSync(path.join(out, 'clusters.csv'), 'utf8').split('\n')[0];
    expect(header).toBe('path,cluster,confidence,head0,head1');
    const log = readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.at(-1).event).toBe('final');
    expect(log[0]).toHaveProperty('nmi_truth');
    expect(log[0].sizes[0].reduce((a: number, b: number) => a + b, 0)).toBe(24);
    // Each head's agreement between its video and audio answers (a diagnostic; no truth involved).
    for (const entry of log) {
      expect(entry.modality_agreement).toHaveLength(2);
      for (const x of entry.modality_agreement) expect(x >= 0 && x <= 1).toBe(true);
    }
    // Every solve says whether it reached the tolerance: converged ones did, the others hit the cap.
    for (const entry of log) for (const st of entry.sinkhorn) expect(st.converged ? st.err <= 1e-3 : st.iters === 2000).toBe(true);
    // Each modality learns its own targets (self weight 0.25 by default): two more solves per head and
    // update, logged, each converged and (after the first update) warm; the final pass trains nothing.
    const updates = log.filter((e: { event: string }) => e.event === 'labels');
    for (const [i, entry] of updates.entries()) {
      expect(Object.keys(entry.sinkhorn_modality).sort()).toEqual(['audio', 'video']);
      for (const m of ['audio', 'video']) {
        expect(entry.sinkhorn_modality[m]).toHaveLength(2);
        for (const st of entry.sinkhorn_modality[m]) expect([st.converged, st.warm]).toEqual([true, i > 0]);
      }
    }
    expect(updates.at(-1).nmi_modality_labels_truth).toEqual({ video: 1, audio: 1 });
    expect(log.at(-1)).not.toHaveProperty('sinkhorn_modality');
    // The first label update starts cold, every later one warm from the last one's scalings, and each solve is timed.
    expect(log.map((e: { sinkhorn: { warm: boolean }[] }) => e.sinkhorn.every((st) => st.warm))).toEqual(log.map((_: unknown, i: number) => i > 0));
    for (const entry of log) for (const st of entry.sinkhorn) expect(st.seconds).toBeGreaterThanOrEqual(0);
    // Audio + video: the answer is the head whose two modalities agree most at the end.
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.head_rule).toBe('max-modality-agreement');
    const agreement: number[] = log.at(-1).modality_agreement;
    expect(agreement[metrics.head]).toBe(Math.max(...agreement));
    // The answer sums both heads, the chosen one first; its sizes and NMI are those of the `cluster` column.
    const answer = log.at(-1).answer;
    expect(answer.heads).toEqual([metrics.head, 1 - metrics.head]);
    const clusters = readColumn(path.join(out, 'clusters.csv'), 'cluster');
    expect(answer.sizes).toEqual([0, 1].map((c) => clusters.filter((x) => x === c).length));
    expect(answer.nmi_truth).toBe(1);
  });

  it('assigns new videos with the trained run, matching the classes', async () => {
    const out = path.join(root, 'assigned.csv');
    const r = await runAssign({ run: path.join(root, 'run-av'), videos: av.dir, out, say: () => undefined });
    expect(r.clips).toBe(24);
    const clusters = readColumn(out, 'cluster');
    const truth = readFileSync(av.truth, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    // Files are listed in sorted order, as the truth rows were written (class 0 first).
    expect(normalizedMutualInfo(truth, clusters)).toBe(1);
    // The same clips get the run's own answer, cluster numbers included (the saved heads' matching).
    expect(clusters).toEqual(readColumn(path.join(root, 'run-av', 'clusters.csv'), 'cluster'));
  });

  it("refuses a model whose saved answer does not fit its heads, naming the file", async () => {
    const run = path.join(root, 'run-bad-answer');
    cpSync(path.join(root, 'run-av'), run, { recursive: true });
    const file = path.join(run, 'model', 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const assignWith = (edit: (j: typeof json) => void) => {
      const copy = structuredClone(json);
      edit(copy);
      writeFileSync(file, JSON.stringify(copy));
      return runAssign({ run, videos: av.dir, out: path.join(root, 'bad.csv'), say: () => undefined });
    };
    await expect(assignWith((j) => (j.answer.permutations[1] = [0, 0]))).rejects.toThrow(/model.*"answer" does not fit the model's heads/);
    await expect(assignWith((j) => (j.answer = null))).rejects.toThrow(/"answer" does not fit/);
    await expect(assignWith((j) => (j.answer.heads = [j.head, j.head]))).rejects.toThrow(/"answer" does not fit/);
    await expect(assignWith((j) => (j.head = 5))).rejects.toThrow(/model.*head 5 is not one of its 2 heads/);
  });

  it('with the audio-visual alignment term, finds the classes too, and assign reloads that model', async () => {
    // A light weight: at 24 clips, weight 1 lets the InfoNCE term tell clips apart one by one
    // (instance discrimination) and the run ended at NMI 0.19; 0.1 keeps the classes.
    const out = path.join(root, 'run-align');
    const summary = await runCluster(job(av.dir, out, { truth: av.truth, train: tinyTrain(2, { align: 0.1 }) }));
    expect(summary.metrics?.nmi).toBe(1);
    const r = await runAssign({ run: out, videos: av.dir, out: path.join(root, 'assigned-align.csv'), say: () => undefined });
    expect(r.clips).toBe(24);
    const truth = readFileSync(av.truth, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    expect(normalizedMutualInfo(truth, readColumn(path.join(root, 'assigned-align.csv'), 'cluster'))).toBe(1);
  });

  it('with the subject view, the saved model says so and assign feeds it subject views too', async () => {
    const out = path.join(root, 'run-subject');
    const summary = await runCluster(job(av.dir, out, { truth: av.truth, train: tinyTrain(2, { videoView: 'subject', grey: true }) }));
    expect(summary.metrics?.nmi).toBe(1);
    expect(JSON.parse(readFileSync(path.join(out, 'model', 'model.json'), 'utf8')).model.videoView).toBe('subject');
    const own = readColumn(path.join(out, 'clusters.csv'), 'confidence');
    const assigned = path.join(root, 'assigned-subject.csv');
    await runAssign({ run: out, videos: av.dir, out: assigned, say: () => undefined, report: false });
    // Same inputs, same model: the run's own confidences (4 decimals written; batches may differ).
    readColumn(assigned, 'confidence').forEach((c, i) => expect(Math.abs(c - own[i])).toBeLessThanOrEqual(2e-4));
    // The same model fed frames as decoded (its record of the view removed) answers otherwise:
    // the check above can tell the two apart.
    const framesRun = path.join(root, 'run-subject-as-frames');
    cpSync(out, framesRun, { recursive: true });
    const modelFile = path.join(framesRun, 'model', 'model.json');
    const json = JSON.parse(readFileSync(modelFile, 'utf8'));
    delete json.model.videoView;
    writeFileSync(modelFile, JSON.stringify(json));
    const asFrames = path.join(root, 'assigned-subject-as-frames.csv');
    await runAssign({ run: framesRun, videos: av.dir, out: asFrames, say: () => undefined, report: false });
    expect(Math.max(...readColumn(asFrames, 'confidence').map((c, i) => Math.abs(c - own[i])))).toBeGreaterThan(1e-3);
  });

  it('with over-clustering heads, answers with a K=2 head and writes the K=4 heads beside it', async () => {
    const out = path.join(root, 'run-overcluster');
    const summary = await runCluster(job(av.dir, out, { truth: av.truth, train: tinyTrain(2, { overcluster: 4 }) }));
    expect(summary.metrics?.nmi).toBe(1);
    expect(summary.head).toBeLessThan(2); // never an over-clustering head
    const file = path.join(out, 'clusters.csv');
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('path,cluster,confidence,head0,head1,head2,head3');
    expect(new Set(readColumn(file, 'cluster')).size).toBe(2);
    expect(new Set(readColumn(file, 'head3')).size).toBe(4); // equipartition: every one of the 4 clusters used
    const final = JSON.parse(readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').at(-1)!);
    expect(final.sizes.map((s: number[]) => s.length)).toEqual([2, 2, 4, 4]);
    const r = await runAssign({ run: out, videos: av.dir, out: path.join(root, 'assigned-overcluster.csv'), say: () => undefined });
    expect(r.head).toBe(summary.head);
    expect(new Set(readColumn(path.join(root, 'assigned-overcluster.csv'), 'cluster')).size).toBe(2);
  });

  it('still clusters when the audio carries no class signal', async () => {
    const summary = await runCluster(job(videoOnlySignal.dir, path.join(root, 'run-vs'), { truth: videoOnlySignal.truth }));
    expect(summary.metrics?.nmi).toBeGreaterThanOrEqual(0.9);
  });

  it("with --self-weight 0 (the other modality's labels alone), the silent audio's arbitrary labels are what the video learns", async () => {
    // Why the default keeps some of a modality's own scores: here the video is the only carrier.
    const pure = await runCluster(job(videoOnlySignal.dir, path.join(root, 'run-vs-cross'), { truth: videoOnlySignal.truth, train: tinyTrain(2, { selfWeight: 0 }) }));
    expect(pure.metrics?.nmi).toBeLessThan(0.5);
    const log = readFileSync(path.join(root, 'run-vs-cross', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.filter((e: { event: string }) => e.event === 'labels').at(-1).sinkhorn_modality.video).toHaveLength(2);
    // One shared label (1, SeLaVi): no per-modality solves.
    const shared = await runCluster(job(videoOnlySignal.dir, path.join(root, 'run-vs-shared'), { truth: videoOnlySignal.truth, train: tinyTrain(2, { selfWeight: 1 }) }));
    expect(shared.metrics?.nmi).toBeGreaterThanOrEqual(0.9);
    const sharedLog = readFileSync(path.join(root, 'run-vs-shared', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(sharedLog.every((e: object) => !('sinkhorn_modality' in e))).toBe(true);
  });

  it('still clusters when the video carries no class signal', async () => {
    // Audio alone is the harder case at this size (24 clips failed for some seeds): 40 clips, 12 epochs.
    const summary = await runCluster(job(audioOnlySignal.dir, path.join(root, 'run-as'), { truth: audioOnlySignal.truth, train: tinyTrain(2, { epochs: 12, labelUpdates: 8 }) }));
    expect(summary.metrics?.nmi).toBeGreaterThanOrEqual(0.9);
  });

  it('a killed run, resumed, ends with the same labels as an uninterrupted one', async () => {
    const whole = path.join(root, 'run-whole');
    const split = path.join(root, 'run-split');
    await runCluster(job(av.dir, whole));
    const first = await runCluster(job(av.dir, split, { stopAfterStep: 13 }));
    expect(first.interrupted).toBe(true);
    const resumed = await runCluster(job(av.dir, split, { resume: true }));
    expect(resumed.interrupted).toBe(false);
    for (const col of ['head0', 'head1', 'cluster']) {
      expect(readColumn(path.join(split, 'clusters.csv'), col)).toEqual(readColumn(path.join(whole, 'clusters.csv'), col));
    }
    // The same training after the resume, per-modality targets included: the same final loss.
    const finalLoss = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'log.jsonl'), 'utf8').trim().split('\n').at(-1)!).loss;
    expect(finalLoss(split)).toBeCloseTo(finalLoss(whole), 5);
  });

  it('refuses to resume a checkpoint whose per-modality labels are damaged, naming it', async () => {
    const run = path.join(root, 'run-damaged-modality-labels');
    cpSync(path.join(root, 'run-whole'), run, { recursive: true });
    const file = path.join(run, 'checkpoint', 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(state.modalityLabels).sort()).toEqual(['audio', 'video']);
    const damaged = (edit: (st: typeof state) => void) => {
      const copy = structuredClone(state);
      edit(copy);
      writeFileSync(file, JSON.stringify(copy));
      return runCluster(job(av.dir, run, { resume: true }));
    };
    await expect(damaged((st) => delete st.modalityLabels.audio)).rejects.toThrow(/checkpoint.*modalityLabels do not hold 2 label arrays of clusters 0..K-1 for each of video, audio/);
    await expect(damaged((st) => delete st.modalityLabels)).rejects.toThrow(/no modalityLabels, which a run with --self-weight below 1 trains on/);
    await expect(damaged((st) => (st.modalityLabels.video[1][0] = 7))).rejects.toThrow(/modalityLabels do not hold/);
    await expect(damaged((st) => (st.labels[0][3] = -1))).rejects.toThrow(/labels must be 2 arrays of clusters 0..K-1/);
  });

  it('with recipes to choose from: one trial each, recorded in recipe.json, the winner trains, a resumed run keeps it', async () => {
    const out = path.join(root, 'run-recipes');
    const recipes = [{ augmentStrength: 'light' as const, flip: false, grey: false, videoView: 'frame' as const }, { augmentStrength: 'warp' as const, flip: true, grey: true, videoView: 'subject' as const }];
    const first = await runCluster(job(av.dir, out, { recipes, stopAfterStep: 5 }));
    expect(first.interrupted).toBe(true);
    const record = JSON.parse(readFileSync(path.join(out, 'recipe.json'), 'utf8'));
    expect(record).toMatchObject({ items: 24, epochs: 8 });
    expect(record.trials.map((t: { recipe: unknown }) => t.recipe)).toEqual(recipes);
    const scores: number[] = record.trials.map((t: { agreement: number }) => t.agreement);
    for (const x of scores) expect(x >= 0 && x <= 1).toBe(true);
    for (const t of record.trials) expect(t.agreementAboveChance).toBeLessThan(t.agreement + 1e-9); // AMI ≤ NMI for these sizes
    expect(record.chosen).toEqual(recipes[scores[1] > scores[0] ? 1 : 0]);
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8'))).toMatchObject(record.chosen);
    expect(existsSync(path.join(out, 'trials'))).toBe(false);
    const resumed = await runCluster(job(av.dir, out, { recipes, resume: true, truth: av.truth }));
    expect(resumed.interrupted).toBe(false);
    expect(JSON.parse(readFileSync(path.join(out, 'recipe.json'), 'utf8'))).toEqual(record); // no trial ran again
    expect(resumed.metrics?.nmi).toBe(1);
  });

  it.skipIf(!loadNativeAddon().addon)('the same seed gives the same clusters with the native kernels and on wasm alone', async () => {
    const native = await runCluster(job(av.dir, path.join(root, 'run-native'), { truth: av.truth }));
    expect(nativeKernelState()?.engine).toBeDefined(); // the run above trained on them
    unregisterNativeKernels();
    let wasm;
    try {
      wasm = await runCluster(job(av.dir, path.join(root, 'run-wasm'), { truth: av.truth }));
    } finally {
      registerNativeKernels();
    }
    expect([native.metrics?.nmi, wasm.metrics?.nmi]).toEqual([1, 1]);
    const a = readColumn(path.join(root, 'run-native', 'clusters.csv'), 'cluster');
    const b = readColumn(path.join(root, 'run-wasm', 'clusters.csv'), 'cluster');
    expect(a).toEqual(b); // not only the same partition: the same cluster numbers
  });

  it('leaves no tensor behind, and the head choice does not depend on truth', async () => {
    const before = tf.memory().numTensors;
    const a = await runCluster(job(av.dir, path.join(root, 'run-mem-a')));
    expect(tf.memory().numTensors).toBe(before);
    const b = await runCluster(job(av.dir, path.join(root, 'run-mem-b'), { truth: av.truth }));
    expect(b.head).toBe(a.head);
    expect(readColumn(path.join(root, 'run-mem-b', 'clusters.csv'), 'cluster')).toEqual(readColumn(path.join(root, 'run-mem-a', 'clusters.csv'), 'cluster'));
  });
});
