/**
 * The released SeLaVi model (R(2+1)D-18 + ResNet-9 + heads, ~37M parameters) at the official
 * input size (30 x 112 x 112 frames, 257 x 99 spectrogram), with the fixture's checkpoint (random
 * weights of the official architecture: the cost is the same as a trained one's):
 * - network alone, batches of 1 and 4 clips (video + audio + every head);
 * - the whole `assign --weights` pass (official decode with ffmpeg, then the network) over copies
 *   of the fixture's real clip;
 * - one (2+1)D block as this project builds it (conv2d over frames, then over time) against the
 *   same block as tf.conv3d (the choice the issue asked to measure);
 * and what one pass over VGG-Sound's 15,446 test clips would take at the measured rate.
 *
 * Run: npx tsx bench/official-assign.bench.ts [--clips 8]   (one JSON line on stdout)
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend.js';
import { decodeOfficialClip } from '../src/media/decode-official-clip.js';
import { OFFICIAL_FRAME_SHAPE, OFFICIAL_SPEC_SHAPE } from '../src/media/official-clip.js';
import { OfficialSelaviModel } from '../src/models/official/official-model.js';
import { readReleasedCheckpoint } from '../src/models/official/released-checkpoint.js';
import { officialPass } from '../src/pipeline/official-pass.js';

const argv = process.argv.slice(2);
const CLIPS = Number(argv[argv.indexOf('--clips') + 1]) || 8;
const VGGSOUND_TEST_CLIPS = 15_446;
const fixtures = path.resolve('../shared/fixtures/selavi-official');
const log = (s: string) => process.stderr.write(`${s}\n`);

async function timeIt(f: () => Promise<void>, reps: number): Promise<number> {
  await f(); // warm-up: kernel set-up, XNNPACK operator caches
  const t = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return (performance.now() - t) / reps / 1000;
}

async function main(): Promise<void> {
  const backend = await initBackend({ log });
  const t0 = performance.now();
  const released = await readReleasedCheckpoint(path.join(fixtures, 'selavi-random-zip.pth.gz'));
  const model = new OfficialSelaviModel(released.weights);
  const loadS = (performance.now() - t0) / 1000;

  // ===== network alone =====
  const network: Record<string, number> = {};
  for (const b of [1, 4]) {
    const video = tf.randomNormal([b, ...OFFICIAL_FRAME_SHAPE]) as tf.Tensor5D;
    const audio = tf.randomNormal([b, ...OFFICIAL_SPEC_SHAPE, 1]) as tf.Tensor4D;
    const s = await timeIt(async () => {
      const r = model.forward({ video, audio });
      await r.logits[0].video!.data();
      tf.dispose([r.features.video!, r.features.audio!, ...r.logits.flatMap((l) => [l.video!, l.audio!])]);
    }, 2);
    network[`network_b${b}_clips_per_s`] = Number((b / s).toFixed(3));
    log(`network, batch ${b}: ${(s / b).toFixed(2)} s a clip`);
    tf.dispose([video, audio]);
  }
  const audioOnly = await timeIt(async () => {
    const a = tf.randomNormal([4, ...OFFICIAL_SPEC_SHAPE, 1]) as tf.Tensor4D;
    const f = model.audioFeatures(a);
    await f.data();
    tf.dispose([a, f]);
  }, 2);

  // ===== the whole pass: decode + network =====
  const dir = mkdtempSync(path.join(os.tmpdir(), 'selavi-official-bench-'));
  let pass: { clipsPerS: number; decodeS: number };
  try {
    const files = Array.from({ length: CLIPS }, (_, i) => path.join(dir, `clip-${i}.mp4`));
    for (const f of files) copyFileSync(path.join(fixtures, 'clip-160x120-30fps.mp4'), f);
    const decodeS = await timeIt(async () => void (await decodeOfficialClip(files[0])), 3);
    const t = performance.now();
    const r = await officialPass(model, files, { decode: (f) => decodeOfficialClip(f), frameShape: OFFICIAL_FRAME_SHAPE, specShape: OFFICIAL_SPEC_SHAPE, batchSize: 4 });
    if (r.names.length !== CLIPS) throw new Error(`decoded ${r.names.length} of ${CLIPS}`);
    pass = { clipsPerS: CLIPS / ((performance.now() - t) / 1000), decodeS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // ===== one (2+1)D block: conv2d over frames and time vs conv3d =====
  const block = released.weights.video.layers[1][0].conv1; // layer2.0: 64 → 230 → 128, stride 2
  const x = tf.randomNormal([1, 30, 56, 56, 64]) as tf.Tensor5D;
  const fs = tf.tensor4d(block.spatial.filter, block.spatial.filterShape);
  const ft = tf.tensor4d(block.temporal.filter, block.temporal.filterShape);
  const as2d = await timeIt(async () => {
    const y = tf.tidy(() => {
      const s = tf.conv2d(tf.reshape(x, [30, 56, 56, 64]) as tf.Tensor4D, fs, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const t = tf.reshape(tf.relu(s), [1, 30, 28 * 28, s.shape[3]]) as tf.Tensor4D;
      return tf.conv2d(t, ft, [2, 1], [[0, 0], [1, 1], [0, 0], [0, 0]]);
    });
    await y.data();
    y.dispose();
  }, 3);
  const as3d = await timeIt(async () => {
    const y = tf.tidy(() => {
      const [, , , mid] = block.spatial.filterShape;
      const [, , , cout] = block.temporal.filterShape;
      const s = tf.conv3d(tf.pad(x, [[0, 0], [0, 0], [1, 1], [1, 1], [0, 0]]), tf.reshape(fs, [1, 3, 3, 64, mid]) as tf.Tensor5D, [1, 2, 2], 'valid');
      return tf.conv3d(tf.pad(tf.relu(s), [[0, 0], [1, 1], [0, 0], [0, 0], [0, 0]]), tf.reshape(ft, [3, 1, 1, mid, cout]) as tf.Tensor5D, [2, 1, 1], 'valid');
    });
    await y.data();
    y.dispose();
  }, 1);
  tf.dispose([x, fs, ft]);
  model.dispose();

  const clipsPerS = pass.clipsPerS;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'official-assign',
      backend: backend.name,
      threads: backend.threads,
      input: '30x112x112x3 + 257x99',
      parameters: released.info.parameters,
      load_checkpoint_s: Number(loadS.toFixed(2)),
      ...network,
      audio_network_clips_per_s: Number((4 / audioOnly).toFixed(1)),
      decode_s_per_clip: Number(pass.decodeS.toFixed(3)),
      clips_per_s: Number(clipsPerS.toFixed(3)),
      vggsound_test_hours: Number((VGGSOUND_TEST_CLIPS / clipsPerS / 3600).toFixed(1)),
      block_conv2d_ms: Number((as2d * 1000).toFixed(0)),
      block_conv3d_ms: Number((as3d * 1000).toFixed(0)),
      conv3d_over_conv2d: Number((as3d / as2d).toFixed(2)),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

await main();
