/**
 * Released SeLaVi models end to end: the official fixture clip through the official preprocessing
 * and network (fused logits as the official code computed them), `selavi inspect`, and
 * `selavi assign --weights` on demo clips with a broken file among them.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyArray } from '../../src/data/npy.js';
import { initBackend } from '../../src/engine/backend.js';
import { cudaProviderInstalled } from '../../src/engine/open-released.js';
import { decodeOfficialClip } from '../../src/media/decode-official-clip.js';
import { OfficialSelaviModel } from '../../src/models/official/official-model.js';
import { readReleasedCheckpoint } from '../../src/models/official/released-checkpoint.js';
import { releasedHeadParams } from '../../src/models/official/released-heads.js';
import { SelaviModel } from '../../src/models/selavi-model.js';
import { createRng } from '../../src/util/rng.js';
import { expectRelClose, haveOfficialFixture, officialFixture } from '../helpers/official-fixture.js';
import { runCli } from '../helpers/run-cli.js';
import { repoRoot } from '../eval/paths.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';

/** The engine name of the released network on wasm here: with the native kernels where they are built. */
const TFJS_WASM = loadNativeAddon().addon ? 'tfjs-wasm+onednn' : 'tfjs-wasm';

const demo = path.join(repoRoot, 'datasets/av-digits-demo');
const weights = officialFixture('selavi-random-zip.pth.gz');
const tmp = mkdtempSync(path.join(tmpdir(), 'selavi-released-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder with the first `n` demo clips and one file that is not a video. */
function demoSubset(n: number): string {
  const dir = path.join(tmp, `clips-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(path.join(demo, 'clips')).sort().slice(0, n)) copyFileSync(path.join(demo, 'clips', f), path.join(dir, f));
  writeFileSync(path.join(dir, 'broken.mp4'), 'not a video');
  return dir;
}

describe.skipIf(!haveOfficialFixture)('a released model on the official clip', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
  });

  it("gives head 0's official fused logits from the mp4 (decode, preprocessing, network)", async () => {
    const released = await readReleasedCheckpoint(weights);
    const model = new OfficialSelaviModel(released.weights);
    try {
      const clip = await decodeOfficialClip(officialFixture('clip-160x120-30fps.mp4'));
      const fused = tf.tidy(() => {
        const r = model.forward({ video: tf.tensor5d(clip.frames, [1, ...clip.frameShape]), audio: tf.tensor4d(clip.spec, [1, ...clip.specShape, 1]) });
        return tf.add(r.logits[0].video!, r.logits[0].audio!);
      });
      const got = await fused.data<'float32'>();
      fused.dispose();
      const want = readNpyArray(officialFixture('clip-head0-fused-logits.npy'));
      expect(want.data.length).toBe(7);
      expectRelClose(got, want.data, 1e-2, 1e-4);
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!haveOfficialFixture)('selavi inspect / assign --weights', () => {
  it('inspect prints what the fixture holds, as JSON', async () => {
    const fixture = JSON.parse(readFileSync(officialFixture('fixture.json'), 'utf8'));
    for (const format of ['legacy', 'zip']) {
      const r = await runCli(['inspect', officialFixture(`selavi-random-${format}.pth.gz`)]);
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout);
      expect(info).toMatchObject({ format, gzip: true, heads: fixture.heads, k: [fixture.k, fixture.k], parameters: fixture.parameters, stateDictEntries: fixture.state_dict_entries });
      expect(info.architecture).toEqual({ video: 'r2plus1d_18', audio: 'resnet9', heads: 'mlp' });
      expect([...info.keys].sort()).toEqual(fixture.checkpoint_keys);
    }
  });

  it('inspect and assign refuse a file that is not a checkpoint in one line, exit 2', async () => {
    const bad = path.join(tmp, 'notes.pth');
    writeFileSync(bad, 'just text');
    for (const argv of [['inspect', bad], ['assign', tmp, '--weights', bad, '--out', path.join(tmp, 'x.csv')]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^selavi: .*notes\.pth: not a PyTorch checkpoint/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('assign --weights clusters demo clips, skips a broken file, scores every head and exports the arrays', async () => {
    const clips = demoSubset(3);
    const out = path.join(tmp, 'assign', 'clusters.csv');
    const exportDir = path.join(tmp, 'assign', 'export');
    const r = await runCli(['assign', clips, '--weights', weights, '--out', out, '--truth', path.join(demo, 'labels.csv'), '--export', exportDir]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ clips: 3, skipped: 1, head_rule: 'max-mean-nmi-to-other-heads' });
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('path,cluster,confidence,head0,head1');
    expect(rows).toHaveLength(4);
    // Each head's column is the argmax of that head's exported video + audio logits.
    const logits = [0, 1].map((h) => readNpyArray(path.join(exportDir, `logits-head${h}.npy`)));
    for (const [i, row] of rows.slice(1).entries()) {
      const cells = row.split(',');
      for (const h of [0, 1]) {
        const l = Array.from(logits[h].data.subarray(i * 7, i * 7 + 7));
        expect(Number(cells[3 + h])).toBe(l.indexOf(Math.max(...l)));
      }
      expect(cells[1]).toBe(cells[3 + summary.head]);
    }
    expect(readNpyArray(path.join(exportDir, 'features-video.npy')).shape).toEqual([3, 512]);
    expect(readNpyArray(path.join(exportDir, 'features-audio.npy')).shape).toEqual([3, 512]);
    expect(readFileSync(path.join(exportDir, 'items.csv'), 'utf8').trim().split('\n')).toEqual(['path', ...rows.slice(1).map((row) => row.split(',')[0])]);
    expect(readFileSync(path.join(path.dirname(out), 'skipped.csv'), 'utf8')).toMatch(/broken\.mp4,/);
    const metrics = JSON.parse(readFileSync(path.join(path.dirname(out), 'metrics.json'), 'utf8'));
    expect(metrics.nmi_per_head).toHaveLength(2);
    expect(metrics.best_head_by_truth.note).toMatch(/for comparison with the paper only/);
    expect(metrics.head).toBe(summary.head);
  });

  it('assign --weights --export --shard i/n per task, then merge: the one-process export and clusters, byte for byte', async () => {
    const clips = demoSubset(4);
    const one = path.join(tmp, 'one-process');
    const r = await runCli(['assign', clips, '--weights', weights, '--out', path.join(one, 'clusters.csv'), '--export', path.join(one, 'export'), '--no-report']);
    expect(r.code, r.stderr).toBe(0);
    const split = path.join(tmp, 'split-export');
    const task = async (i: number, w = weights) => {
      const t = await runCli(['assign', clips, '--weights', w, '--export', split, '--shard', `${i}/3`, '--no-report']);
      expect(t.code, t.stderr).toBe(0);
      return JSON.parse(t.stdout);
    };
    expect(await task(0)).toMatchObject({ shard: { index: 0, count: 3 }, alreadyComplete: false, clips: 2, skipped: 0 }); // sorted: 4 clips + broken.mp4
    await task(1);
    // A missing shard, then one made with another checkpoint: one line each, exit 2, nothing written.
    const early = await runCli(['merge', split]);
    expect(early.code).toBe(2);
    expect(early.stderr.trim()).toMatch(/^selavi: .*split-export: shard 2 of 3 not complete: rerun that task, then merge again$/);
    await task(2, officialFixture('selavi-random-legacy.pth.gz'));
    const mixed = await runCli(['merge', split]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr.trim()).toMatch(/shard 2 was made with selavi-random-legacy\.pth\.gz \(sha256 [0-9a-f]{12}\), shard 0 with selavi-random-zip\.pth\.gz/);
    expect(existsSync(path.join(split, 'items.csv'))).toBe(false);
    expect((await task(2)).alreadyComplete, 'another checkpoint: redone').toBe(false);
    expect((await task(2)).alreadyComplete, 'the same: nothing to do').toBe(true);
    const m = await runCli(['merge', split, '--out', path.join(split, 'clusters.csv')]);
    expect(m.code, m.stderr).toBe(0);
    for (const f of ['items.csv', 'features-video.npy', 'features-audio.npy', 'logits-head0.npy', 'logits-head1.npy']) {
      expect(Buffer.compare(readFileSync(path.join(split, f)), readFileSync(path.join(one, 'export', f))), f).toBe(0);
    }
    expect(readFileSync(path.join(split, 'clusters.csv'), 'utf8')).toBe(readFileSync(path.join(one, 'clusters.csv'), 'utf8'));
    expect(readFileSync(path.join(split, 'skipped.csv'), 'utf8')).toBe(readFileSync(path.join(one, 'skipped.csv'), 'utf8'));

    // cluster --init takes the merged export as its features (no pass of its own), from the same checkpoint only.
    const heads = ['--k', '3', '--heads', '2', '--epochs', '2', '--batch-size', '2', '--label-updates', '3', '--no-report'];
    const c = await runCli(['cluster', '--init', weights, '--features', split, '--out', path.join(tmp, 'init-from-shards'), ...heads]);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ items: 4, skipped: 1 });
    expect(c.stderr).toMatch(/features of 4 clips read from .*split-export/);
    const wrong = await runCli(['cluster', '--init', officialFixture('selavi-random-legacy.pth.gz'), '--features', split, '--out', path.join(tmp, 'init-wrong'), ...heads]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toMatch(/^selavi: --features .*split-export: made with selavi-random-zip\.pth\.gz \(sha256 [0-9a-f]{12}\), not selavi-random-legacy\.pth\.gz/);
  });

  it('--device wasm (TensorFlow.js) gives the labels and logits onnxruntime gives, and names its engine', async () => {
    const clips = demoSubset(3);
    const runs = [];
    for (const device of ['cpu', 'wasm']) {
      // One at a time: runCli captures this process's stdout and stderr.
      runs.push(
        await (async () => {
        const out = path.join(tmp, `engine-${device}`, 'clusters.csv');
        const exportDir = path.join(tmp, `engine-${device}`, 'export');
        const r = await runCli(['assign', clips, '--weights', weights, '--out', out, '--export', exportDir, '--device', device, '--no-report']);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout).engine).toBe(device === 'cpu' ? 'onnxruntime-cpu' : TFJS_WASM);
        return { rows: readFileSync(out, 'utf8'), logits: readNpyArray(path.join(exportDir, 'logits-head0.npy')).data };
        })(),
      );
    }
    expect(runs[1].rows.split('\n').map((l) => l.split(',').filter((_, i) => i !== 2).join())).toEqual(runs[0].rows.split('\n').map((l) => l.split(',').filter((_, i) => i !== 2).join()));
    expectRelClose(runs[1].logits, runs[0].logits, 1e-3, 1e-4);
  });

  it.skipIf(cudaProviderInstalled())('--device cuda without its provider: one line naming it and what to install, exit 2, nothing decoded', async () => {
    const out = path.join(tmp, 'cuda', 'clusters.csv');
    const r = await runCli(['assign', demoSubset(2), '--weights', weights, '--out', out, '--device', 'cuda']);
    expect(r.code).toBe(2);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^selavi: --device cuda: onnxruntime's cuda provider did not load .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toMatch(/skipped|clips /);
    expect(existsSync(path.dirname(out))).toBe(false);
  });

  it('assign refuses --head past the checkpoint\'s heads and asks for one of --run / --weights', async () => {
    const r = await runCli(['assign', demoSubset(1), '--weights', weights, '--out', path.join(tmp, 'h.csv'), '--head', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--head 5: .* has heads 0\.\.1/);
    const none = await runCli(['assign', tmp, '--out', path.join(tmp, 'n.csv')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give one of --run RUN .* or --weights FILE\.pth/);
  });
});

describe.skipIf(!haveOfficialFixture)('heads started from a released model', () => {
  it("our per-head MLPs on the official features give the released heads' official logits (eval mode)", async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const released = await readReleasedCheckpoint(weights);
    const model = new SelaviModel({ modalities: ['video', 'audio'], width: 1, heads: [7, 7], projection: 0, headHidden: 512, featureInput: true }, createRng(0));
    try {
      model.build({ video: [512], audio: [512] });
      for (const h of [0, 1]) for (const [name, v] of releasedHeadParams(weights, released.state, h, h)!) model.params.set(name, v, weights);
      const fv = readNpyArray(officialFixture('parity-video-features.npy'));
      const fa = readNpyArray(officialFixture('parity-audio-features.npy'));
      const out = model.forward({ video: tf.tensor2d(fv.data, [2, 512]), audio: tf.tensor2d(fa.data, [2, 512]) }, { training: false, bnUpdates: [] });
      for (const h of [0, 1]) {
        expectRelClose(await out.video![h].data(), readNpyArray(officialFixture(`parity-head${h}-video-logits.npy`)).data, 1e-3, 1e-4);
        expectRelClose(await out.audio![h].data(), readNpyArray(officialFixture(`parity-head${h}-audio-logits.npy`)).data, 1e-3, 1e-4);
      }
      tf.dispose([...out.video!, ...out.audio!]);
    } finally {
      model.dispose();
    }
  });

  it('cluster --init trains heads on the frozen released features, and a rerun reuses them', async () => {
    const clips = demoSubset(4);
    const run = path.join(tmp, 'init-run');
    const argv = ['cluster', clips, '--init', weights, '--out', run, '--k', '3', '--heads', '2', '--epochs', '2', '--batch-size', '2', '--label-updates', '3'];
    const r = await runCli(argv);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ items: 4, skipped: 1, interrupted: false });
    expect(r.stderr).toMatch(/new heads: the released heads have K=7, --k is 3/);
    const rows = readFileSync(path.join(run, 'clusters.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('path,cluster,confidence,head0,head1');
    expect(rows).toHaveLength(5);
    for (const row of rows.slice(1)) expect(Number(row.split(',')[1])).toBeLessThan(3);
    expect(readNpyArray(path.join(run, 'features', 'features-video.npy')).shape).toEqual([4, 512]);
    expect(JSON.parse(readFileSync(path.join(run, 'released.json'), 'utf8'))).toMatchObject({ heads: 2, k: [7, 7] });
    expect(JSON.parse(readFileSync(path.join(run, 'config.json'), 'utf8')).headHidden).toBe(512);
    // A rerun into a fresh run folder holding the same features decodes nothing.
    const again = await runCli([...argv, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/features of 4 clips read from/);
    expect(again.stderr).not.toMatch(/through the released encoders/);
    // The trained run labels videos through the same released encoders (argmax: no balancing, so
    // the clusters may differ from the run's Sinkhorn labels).
    const out = path.join(tmp, 'init-assign.csv');
    const assigned = await runCli(['assign', clips, '--run', run, '--out', out]);
    expect(assigned.code, assigned.stderr).toBe(0);
    expect(JSON.parse(assigned.stdout)).toMatchObject({ clips: 4, skipped: 1 });
    const labelled = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(labelled.map((c) => c[0])).toEqual(rows.slice(1).map((l) => l.split(',')[0]));
    for (const [, cluster, confidence] of labelled) {
      expect(Number(cluster)).toBeLessThan(3);
      expect(Number(confidence)).toBeGreaterThan(1 / 3 - 1e-4); // the argmax of 3 probabilities
    }
  });
});
