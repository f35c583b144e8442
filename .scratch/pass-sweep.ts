import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readReleasedCheckpoint } from '../src/models/official/released-checkpoint.js';
import { OnnxReleasedNetwork } from '../src/models/onnx/onnx-network.js';
import { decodeOfficialClip } from '../src/media/decode-official-clip.js';
import { OFFICIAL_FRAME_SHAPE, OFFICIAL_SPEC_SHAPE } from '../src/media/official-clip.js';
import { officialPass } from '../src/pipeline/official-pass.js';
const fx = '/work/shared/fixtures/selavi-official/';
const r = await readReleasedCheckpoint(fx + 'selavi-random-zip.pth.gz');
const dir = mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
const files = Array.from({ length: 12 }, (_, i) => path.join(dir, `c${i}.mp4`));
for (const f of files) copyFileSync(fx + 'clip-160x120-30fps.mp4', f);
for (const [threads, jobs, batch] of [[2, 1, 4], [2, 2, 4], [3, 2, 4], [2, 2, 2]]) {
  const net = await OnnxReleasedNetwork.create(r.weights, { provider: 'cpu', threads });
  await officialPass(net, files.slice(0, 4), { decode: (f) => decodeOfficialClip(f), frameShape: OFFICIAL_FRAME_SHAPE, specShape: OFFICIAL_SPEC_SHAPE, batchSize: batch, decodeJobs: jobs });
  const t = performance.now();
  await officialPass(net, files, { decode: (f) => decodeOfficialClip(f), frameShape: OFFICIAL_FRAME_SHAPE, specShape: OFFICIAL_SPEC_SHAPE, batchSize: batch, decodeJobs: jobs });
  console.log({ threads, jobs, batch, clipsPerS: (12 / ((performance.now() - t) / 1000)).toFixed(3) });
  await net.dispose();
}
