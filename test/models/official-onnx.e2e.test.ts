/**
 * The released network on onnxruntime (the graph built in TypeScript from the checkpoint) against
 * what the official PyTorch code computed (../shared/fixtures/selavi-official), on every provider
 * that loads on this machine (cpu always; webgpu where a Vulkan device is, e.g. Mesa's llvmpipe
 * from bookworm-backports, which .ci/run installs; cuda where its provider is installed), from
 * both checkpoint formats: features and every head's logits within 1e-3 relative + 1e-4 absolute,
 * fused labels exact; and the fixture clip end to end (decode + network) within 1e-2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyArray } from '../../src/data/npy.js';
import { probeProviders } from '../../src/engine/open-released.js';
import { decodeOfficialClip } from '../../src/media/decode-official-clip.js';
import { readReleasedCheckpoint } from '../../src/models/official/released-checkpoint.js';
import type { ReleasedBatchOutput } from '../../src/models/official/released-network.js';
import { OnnxReleasedNetwork, type OnnxProvider } from '../../src/models/onnx/onnx-network.js';
import { expectOfficialParity, expectRelClose, haveOfficialFixture, officialFixture } from '../helpers/official-fixture.js';

const probe = haveOfficialFixture ? await probeProviders() : { providers: [] };
const providers = probe.providers.filter((p) => p.ok).map((p) => p.provider);
for (const p of probe.providers) if (!p.ok) console.warn(`onnxruntime ${p.provider} provider not tested here: ${p.detail}`);

/** [N, C, T, H, W] → [N, T, H, W, C] (the decode's layout, which the graph takes). */
function channelsLast(data: Float32Array, [n, c, t, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let f = 0; f < t * h * w; f++) out[(i * t * h * w + f) * c + ch] = data[(i * c + ch) * t * h * w + f];
  return out;
}

describe.skipIf(!haveOfficialFixture)('onnxruntime finds its CPU provider', () => {
  it('cpu loads (it ships inside onnxruntime-node)', () => {
    expect(providers).toContain('cpu');
  });
});

// Both checkpoint formats on the CPU provider, and on it the Conv3d form the GPU providers get too
// (the CPU provider's own form has 2-D temporal convs); the zip one on the others (the reader is the
// same, and a CPU Vulkan device takes a minute a session).
type Case = [OnnxProvider, string, 'its own form' | 'the Conv3d form'];
const cases: Case[] = providers.flatMap((p): Case[] => (p === 'cpu' ? [[p, 'zip', 'its own form'], [p, 'legacy', 'its own form'], [p, 'zip', 'the Conv3d form']] : [[p, 'zip', 'its own form']]));
describe.skipIf(!haveOfficialFixture).each(cases)('released network on onnxruntime %s from the %s checkpoint, %s', (provider, format, form) => {
  let network: OnnxReleasedNetwork;
  let out: ReleasedBatchOutput;
  beforeAll(async () => {
    const released = await readReleasedCheckpoint(officialFixture(`selavi-random-${format}.pth.gz`));
    network = await OnnxReleasedNetwork.create(released.weights, { provider, ...(form === 'the Conv3d form' ? { temporalAs2d: false } : {}) });
    const v = readNpyArray(officialFixture('parity-video-input.npy')); // [2, 3, 8, 112, 112]
    const a = readNpyArray(officialFixture('parity-audio-input.npy')); // [2, 1, 257, 99]
    const [, , t, h, w] = v.shape;
    out = await network.run({ b: 2, frames: channelsLast(v.data, v.shape), specs: a.data, frameShape: [t, h, w, 3], specShape: [a.shape[2], a.shape[3]] });
  });
  afterAll(async () => network?.dispose());

  it('names its engine and reads the heads and K from the checkpoint', () => {
    expect(network.engine).toBe(`onnxruntime-${provider}`);
    expect(network.heads).toEqual([7, 7]);
    expect(network.featureDims).toEqual({ video: 512, audio: 512 });
  });

  it('gives the official pooled features', () => expectOfficialParity(out, 'features'));

  it("gives every head's official logits and fused labels", () => expectOfficialParity(out, 'logits'));
});

// The official-size clip is 30x112x112: seconds on the CPU provider, minutes on a CPU Vulkan device.
describe.skipIf(!haveOfficialFixture || !providers.includes('cpu'))('the fixture clip end to end on onnxruntime cpu', () => {
  it("gives head 0's official fused logits from the mp4 (decode, preprocessing, network)", async () => {
    const released = await readReleasedCheckpoint(officialFixture('selavi-random-zip.pth.gz'));
    const network = await OnnxReleasedNetwork.create(released.weights, { provider: 'cpu' });
    try {
      const clip = await decodeOfficialClip(officialFixture('clip-160x120-30fps.mp4'));
      const out = await network.run({ b: 1, frames: clip.frames, specs: clip.spec, frameShape: clip.frameShape, specShape: clip.specShape });
      const fused = out.logits[0].video.map((v, k) => v + out.logits[0].audio[k]);
      const want = readNpyArray(officialFixture('clip-head0-fused-logits.npy'));
      expect(want.data.length).toBe(7);
      expectRelClose(fused, want.data, 1e-2, 1e-4);
    } finally {
      await network.dispose();
    }
  });
});
