/**
 * The released SeLaVi model (R(2+1)D-18 + ResNet-9 + heads, ~37M parameters) at the official
 * input size (30 x 112 x 112 frames, 257 x 99 spectrogram), with the fixture's checkpoint (random
 * weights of the official architecture: the cost is the same as a trained one's), on every engine
 * that loads here (`--device` of assign --weights): onnxruntime's CPU provider, its CUDA provider
 * where installed, its WebGPU provider where a GPU device node exists (on a CPU Vulkan device it
 * takes minutes a clip: not benched), and the TensorFlow.js wasm path. For each, in a child process
 * of its own (so that peak RSS is that engine's):
 * - the network alone, batches of 1 and 4 clips (video + audio + every head);
 * - the whole `assign --weights` pass (official decode with ffmpeg beside the network) over copies
 *   of the fixture's real clip;
 * - peak RSS, and what one pass over VGG-Sound's 15,446 test clips would take.
 * With PYTORCH_CLIPS_PER_S (the same network in PyTorch on the same cores, measured by hand:
 * README says how), each engine's ratio to it.
 *
 * Run: npx tsx bench/official-assign.bench.ts [--clips 12] [--engines cpu,wasm]   (one JSON line on stdout)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoProviders, gpuDeviceNodes, openReleasedNetwork, probeProviders } from '../src/engine/open-released.js';
import { decodeOfficialClip } from '../src/media/decode-official-clip.js';
import { OFFICIAL_FRAME_SHAPE, OFFICIAL_SPEC_SHAPE } from '../src/media/official-clip.js';
import { readReleasedCheckpoint } from '../src/models/official/released-checkpoint.js';
import { officialPass } from '../src/pipeline/official-pass.js';
import { peakRssMb } from './lib/peak-rss.js';
import { hugePageTunables, relaunchFacts } from '../src/cli/relaunch.js';
import { profileKernels } from './lib/training-step.js';

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const CLIPS = Number(flag('clips')) || 12;
const VGGSOUND_TEST_CLIPS = 15_446;
const fixtures = path.resolve('../shared/fixtures/selavi-official');
const log = (s: string) => process.stderr.write(`${s}\n`);
const round = (x: number, d = 3) => Number(x.toFixed(d));

/** One engine, in this process: `--engine cpu|cuda|webgpu|wasm`. */
async function benchEngine(device: string): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const released = await readReleasedCheckpoint(path.join(fixtures, 'selavi-random-zip.pth.gz'));
  const { network } = await openReleasedNetwork(released.weights, { device, log });
  const loadS = (performance.now() - t0) / 1000;
  const result: Record<string, unknown> = { engine: network.engine, load_s: round(loadS, 2) };
  try {
    for (const b of [1, 4]) {
      const batch = {
        b,
        frames: new Float32Array(b * OFFICIAL_FRAME_SHAPE.reduce((x, y) => x * y, 1)).map(() => Math.random() - 0.5),
        specs: new Float32Array(b * OFFICIAL_SPEC_SHAPE[0] * OFFICIAL_SPEC_SHAPE[1]).map(() => Math.random() - 0.5),
        frameShape: OFFICIAL_FRAME_SHAPE,
        specShape: OFFICIAL_SPEC_SHAPE,
      };
      await network.run(batch); // warm-up: kernel set-up, memory planning
      const reps = b === 1 ? 3 : 2;
      const t = performance.now();
      for (let i = 0; i < reps; i++) await network.run(batch);
      const s = (performance.now() - t) / 1000 / reps;
      result[`network_b${b}_clips_per_s`] = round(b / s);
      // The TensorFlow.js path: where one batch's time goes, by kernel (onnxruntime's is its own).
      if (b === 4 && network.engine.startsWith('tfjs')) result.kernels_b4 = await profileKernels(async () => void (await network.run(batch)));
      log(`${network.engine}: network, batch ${b}: ${(s / b).toFixed(2)} s a clip`);
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'selavi-official-bench-'));
    try {
      const files = Array.from({ length: CLIPS }, (_, i) => path.join(dir, `clip-${i}.mp4`));
      for (const f of files) copyFileSync(path.join(fixtures, 'clip-160x120-30fps.mp4'), f);
      await decodeOfficialClip(files[0]); // warm-up: the decode's code compiled
      const d0 = performance.now();
      for (let i = 0; i < 3; i++) await decodeOfficialClip(files[i]);
      result.decode_s_per_clip = round((performance.now() - d0) / 3000);
      const t = performance.now();
      const r = await officialPass(network, files, { decode: (f) => decodeOfficialClip(f), frameShape: OFFICIAL_FRAME_SHAPE, specShape: OFFICIAL_SPEC_SHAPE, batchSize: 4 });
      if (r.names.length !== CLIPS) throw new Error(`decoded ${r.names.length} of ${CLIPS}`);
      const clipsPerS = CLIPS / ((performance.now() - t) / 1000);
      result.clips_per_s = round(clipsPerS);
      result.vggsound_test_hours = round(VGGSOUND_TEST_CLIPS / clipsPerS / 3600, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await network.dispose();
  }
  result.peak_rss_mb = peakRssMb();
  return result;
}

async function main(): Promise<void> {
  const only = flag('engine');
  if (only) {
    process.stdout.write(`${JSON.stringify(await benchEngine(only))}\n`);
    return;
  }
  const probe = await probeProviders();
  const loads = new Set(probe.providers.filter((p) => p.ok).map((p) => p.provider));
  const gpus = gpuDeviceNodes();
  const wanted = flag('engines')?.split(',') ?? ['cuda', 'webgpu', 'cpu', 'wasm'];
  const notBenched: Record<string, string> = {};
  const engines = wanted.filter((e) => {
    if (e === 'wasm') return true;
    if (!loads.has(e as 'cpu')) return void (notBenched[e] = probe.providers.find((p) => p.provider === e)?.detail ?? probe.error ?? 'does not load');
    if (e === 'webgpu' && gpus.length === 0) return void (notBenched[e] = 'loads, on a CPU Vulkan device only (no GPU device node): minutes a clip');
    return true;
  });
  const pytorch = Number(process.env.PYTORCH_CLIPS_PER_S) || undefined;
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, unknown>[] = [];
  // Each engine's process starts as `selavi assign` does (src/cli/relaunch.ts): malloc on huge pages
  // where that applies (SELAVI_HUGE_PAGES=0 measures without).
  const tunables = hugePageTunables(relaunchFacts(['assign']));
  const env = tunables ? { ...process.env, GLIBC_TUNABLES: tunables } : process.env;
  for (const e of engines) {
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--engine', e, '--clips', String(CLIPS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20, env });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number | string | boolean>;
    r.malloc_huge_pages = tunables !== undefined;
    if (pytorch) r.network_b4_over_pytorch = round(Number(r.network_b4_clips_per_s) / pytorch, 2);
    results.push(r);
  }
  const byEngine = Object.fromEntries(results.map((r) => [r.engine as string, r]));
  const fastest = results.reduce((a, b) => (Number(b.clips_per_s) > Number(a.clips_per_s) ? b : a));
  const wasm = results.find((r) => String(r.engine).startsWith('tfjs'));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'official-assign',
      input: '30x112x112x3 + 257x99',
      onnxruntime: probe.version ?? null,
      auto_order: autoProviders(),
      clips: CLIPS,
      pytorch_clips_per_s: pytorch ?? null,
      engines: byEngine,
      fastest: fastest.engine,
      fastest_over_wasm: wasm ? round(Number(fastest.clips_per_s) / Number(wasm.clips_per_s), 2) : null,
      not_benched: notBenched,
    })}\n`,
  );
}

await main();
