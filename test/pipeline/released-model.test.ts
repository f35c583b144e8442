/**
 * Released SeLaVi models end to end: the official fixture clip through the official preprocessing
 * and network (fused logits as the official code computed them), `selavi inspect`, and
 * `selavi assign --weights` on demo clips with a broken file among them.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyArray } from '../../src/data/npy.js';
import { initBackend } from '../../src/engine/backend.js';
import { decodeOfficialClip } from '../../src/media/decode-official-clip.js';
import { OfficialSelaviModel } from '../../src/models/official/official-model.js';
import { readReleasedCheckpoint } from '../../src/models/official/released-checkpoint.js';
import { expectRelClose, haveOfficialFixture, officialFixture } from '../helpers/official-fixture.js';
import { runCli } from '../helpers/run-cli.js';
import { repoRoot } from '../eval/paths.js';

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

  it('assign refuses --head past the checkpoint\'s heads and asks for one of --run / --weights', async () => {
    const r = await runCli(['assign', demoSubset(1), '--weights', weights, '--out', path.join(tmp, 'h.csv'), '--head', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--head 5: .* has heads 0\.\.1/);
    const none = await runCli(['assign', tmp, '--out', path.join(tmp, 'n.csv')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give one of --run RUN .* or --weights FILE\.pth/);
  });
});
