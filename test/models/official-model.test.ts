/**
 * The official SeLaVi architecture against what the official PyTorch code computed with the same
 * checkpoint (../shared/fixtures/selavi-official): pooled features and every head's logits within
 * 1e-3 relative (+1e-4 absolute), fused labels exactly, from both checkpoint formats.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyArray } from '../../src/data/npy.js';
import { initBackend } from '../../src/engine/backend.js';
import { OfficialSelaviModel } from '../../src/models/official/official-model.js';
import { headSizes, officialWeights } from '../../src/models/official/official-weights.js';
import { readTorchCheckpoint, stateDict } from '../../src/models/torch/read-checkpoint.js';
import { expectOfficialParity, haveOfficialFixture, officialFixture } from '../helpers/official-fixture.js';

/** [N, C, T, H, W] (PyTorch) → [N, T, H, W, C]; [N, 1, F, M] → [N, F, M, 1]. */
function channelsLast(data: Float32Array, shape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor(data, shape);
    return shape.length === 5 ? tf.transpose(x, [0, 2, 3, 4, 1]) : tf.transpose(x, [0, 2, 3, 1]);
  });
}

describe.skipIf(!haveOfficialFixture).each(['zip', 'legacy'])('official SeLaVi model from the %s checkpoint', (format) => {
  let model: OfficialSelaviModel;
  let out: { fv: Float32Array; fa: Float32Array; logits: { video: Float32Array; audio: Float32Array }[] };
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: () => {} });
    const file = officialFixture(`selavi-random-${format}.pth.gz`);
    const ckpt = await readTorchCheckpoint(file);
    model = new OfficialSelaviModel(officialWeights(file, stateDict(ckpt)));
    const v = readNpyArray(officialFixture('parity-video-input.npy'));
    const a = readNpyArray(officialFixture('parity-audio-input.npy'));
    const video = channelsLast(v.data, v.shape) as tf.Tensor5D;
    const audio = channelsLast(a.data, a.shape) as tf.Tensor4D;
    const r = model.forward({ video, audio });
    out = {
      fv: await r.features.video!.data<'float32'>(),
      fa: await r.features.audio!.data<'float32'>(),
      logits: await Promise.all(r.logits.map(async (l) => ({ video: await l.video!.data<'float32'>(), audio: await l.audio!.data<'float32'>() }))),
    };
    tf.dispose([video, audio, r.features.video!, r.features.audio!, ...r.logits.flatMap((l) => [l.video!, l.audio!])]);
  });
  afterAll(() => model?.dispose());

  it('reads the heads and K from the checkpoint', () => {
    expect(model.heads).toEqual([7, 7]);
    expect(model.featureDims).toEqual({ video: 512, audio: 512 });
  });

  it('gives the official pooled features', () => expectOfficialParity({ features: { video: out.fv, audio: out.fa }, logits: out.logits }, 'features'));

  it("gives every head's official logits and fused labels", () => expectOfficialParity({ features: { video: out.fv, audio: out.fa }, logits: out.logits }, 'logits'));
});

describe.skipIf(!haveOfficialFixture)('official weights', () => {
  it('folds each batch norm into the layer before it and sizes every head from the checkpoint', async () => {
    const file = officialFixture('selavi-random-zip.pth.gz');
    const w = officialWeights(file, stateDict(await readTorchCheckpoint(file)));
    expect(headSizes(w)).toEqual([7, 7]);
    expect(w.video.layers.map((l) => l.length)).toEqual([2, 2, 2, 2]); // r2plus1d_18
    expect(w.audio.layers.map((l) => l.length)).toEqual([1, 1, 1, 1]); // resnet9
    // torchvision's mid-channels: floor(in·out·27 / (in·9 + 3·out)); layer2.0: in 64, out 128 → 230
    expect(w.video.layers[1][0].conv1.spatial.filterShape).toEqual([3, 3, 64, 230]);
    expect(w.video.layers[1][0].conv1.temporal.filterShape).toEqual([3, 1, 230, 128]);
    expect(w.video.layers[1][0].downsample?.temporalStride).toBe(2);
    expect(w.video.stem.spatial.filterShape).toEqual([7, 7, 3, 45]);
  });

  it('names the missing key of a state dict that is not the official architecture', async () => {
    const file = officialFixture('selavi-random-zip.pth.gz');
    const dict = new Map(stateDict(await readTorchCheckpoint(file)));
    dict.delete('module.audio_network.base.layer1.0.bn2.running_var');
    expect(() => officialWeights(file, dict)).toThrow(/no 'audio_network\.base\.layer1\.0\.bn2\.running_var' in its state dict/);
  });
});
