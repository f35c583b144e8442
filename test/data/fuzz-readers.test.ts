/**
 * Every reader of files users hand us, fed damaged copies of valid files (test/helpers/mutate.ts):
 * each case either reads or throws a UserError (one line naming the file, exit 2 from the CLI);
 * never a TypeError, RangeError, SyntaxError or allocation failure. FUZZ_CASES scales the case
 * count (`make fuzz` runs 20x); a failure names the reader and the case index to replay it.
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCache } from '../../src/data/cache.js';
import { openCache } from '../../src/data/cache-reader.js';
import { parseIdx, readIdx } from '../../src/data/idx.js';
import { loadManifest } from '../../src/data/manifest.js';
import { encodeNpy, readNpyArray } from '../../src/data/npy.js';
import { UserError } from '../../src/errors.js';
import { parseClusters } from '../../src/eval/read-clusters.js';
import { parseTruth } from '../../src/eval/read-truth.js';
import { readTorchCheckpoint, stateDict } from '../../src/models/torch/read-checkpoint.js';
import { makeClip } from '../media/fixtures.js';
import { mutations } from '../helpers/mutate.js';
import { legacyCheckpoint, zipCheckpoint } from '../helpers/torch-bytes.js';

const SCALE = Number(process.env.FUZZ_CASES ?? 1);
const root = mkdtempSync(path.join(tmpdir(), 'selavi-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Runs `read` on `count` damaged copies of `seed`; returns the cases that threw anything but a
 * UserError, as "case N: Name: message" (empty when the reader held).
 */
async function fuzz(seed: Uint8Array, count: number, read: (bytes: Uint8Array, index: number) => unknown): Promise<string[]> {
  const bad: string[] = [];
  for (const { index, bytes } of mutations(seed, Math.round(count * SCALE))) {
    try {
      await read(bytes, index);
    } catch (err) {
      if (!(err instanceof UserError)) bad.push(`case ${index}: ${(err as Error).name}: ${(err as Error).message?.split('\n')[0]?.slice(0, 160)}`);
    }
  }
  return bad;
}

function writeCase(name: string, bytes: Uint8Array): string {
  const file = path.join(root, name);
  writeFileSync(file, bytes);
  return file;
}

describe('fuzzed readers: a UserError or a result, nothing else', () => {
  it('.npy (versions 1 and 2, float32 and int64)', async () => {
    const v1 = encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    // Version 2: a 4-byte header length.
    const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }".padEnd(116, ' ') + '\n';
    const v2 = Buffer.concat([Buffer.from([0x93, ...Buffer.from('NUMPY'), 2, 0]), Buffer.from(Uint32Array.of(header.length).buffer), Buffer.from(header, 'latin1'), Buffer.from(BigInt64Array.of(1n, -2n, 3n).buffer)]);
    for (const [name, seed] of [['v1', v1], ['v2', v2]] as const) {
      expect(readNpyArray(writeCase(`seed-${name}.npy`, seed)).data.length, `the ${name} seed reads`).toBe(name === 'v1' ? 6 : 3);
      expect(await fuzz(seed, 1500, (b) => readNpyArray(writeCase('case.npy', b))), name).toEqual([]);
    }
  });

  it('IDX, plain and gzipped', async () => {
    const idx = Buffer.concat([Buffer.from([0, 0, 8, 3]), Buffer.from([0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3]), Buffer.alloc(18, 7)]);
    expect(parseIdx(idx, 'seed.idx').dims).toEqual([2, 3, 3]);
    expect(await fuzz(idx, 3000, (b) => parseIdx(b, 'case.idx')), 'plain').toEqual([]);
    expect(await fuzz(gzipSync(idx), 800, (b) => readIdx(writeCase('case.idx.gz', b))), 'gzip').toEqual([]);
  });

  it('.pth: legacy, zip, and gzipped', async () => {
    const read = async (b: Uint8Array, name: string) => {
      const ckpt = await readTorchCheckpoint(writeCase(name, b));
      for (const t of stateDict(ckpt).values()) t.toFloat32();
    };
    for (const [name, seed] of [['legacy.pth', legacyCheckpoint()], ['zip.pth', zipCheckpoint()], ['zip.pth.gz', gzipSync(zipCheckpoint())]] as const) {
      await read(seed, `seed-${name}`);
      expect(await fuzz(seed, name.endsWith('.gz') ? 400 : 1500, (b) => read(b, `case-${name}`)), name).toEqual([]);
    }
  });

  it('CSVs: truth lists, clusters, manifests', async () => {
    const truth = Buffer.from('path,label\nclips/a.mp4,dog\nclips/b.mp4,"cat, small"\r\nclips/c.mp4,dog\n');
    expect(await fuzz(truth, 1500, (b) => parseTruth(Buffer.from(b).toString('utf8'), 'truth.csv')), 'truth').toEqual([]);
    const vgg = Buffer.from('---g--SXWvE,30,people marching,test\n--0PQM4-hqg,30,waterfall burbling,train\n');
    expect(await fuzz(vgg, 800, (b) => parseTruth(Buffer.from(b).toString('utf8'), 'vggsound.csv')), 'vggsound').toEqual([]);
    const clusters = Buffer.from('path,cluster,confidence,head0,head1\na.mp4,3,0.9,3,1\nb.mp4,0,0.5,0,0\n');
    expect(await fuzz(clusters, 1500, (b) => parseClusters(Buffer.from(b).toString('utf8'), 'clusters.csv')), 'clusters').toEqual([]);
    const manifest = Buffer.from(`${JSON.stringify({ path: '/v/a.mp4', size: 10, mtimeMs: 1, info: { duration: 2, audio: { codec: 'aac' } } })}\n`);
    expect(await fuzz(manifest, 800, (b) => loadManifest(writeCase('manifest.jsonl', b))), 'manifest').toEqual([]);
  });

  describe('the clip cache', () => {
    let cacheDir: string;
    beforeAll(async () => {
      const videos = path.join(root, 'videos');
      mkdirSync(videos, { recursive: true });
      await makeClip(path.join(videos, 'a.mp4'), { video: 'ramp', seconds: 2, audio: 440 });
      await makeClip(path.join(videos, 'b.mp4'), { seconds: 2, audio: 1000 });
      cacheDir = path.join(root, 'cache');
      await buildCache({ videos, out: cacheDir, frames: 2, size: 8, progress: 'quiet' });
    });

    it('its shard index, merged index and records', async () => {
      const files = readdirSync(cacheDir).filter((f) => /^(shard-.*\.(json|bin)|index\.json)$/.test(f)).sort();
      expect(files).toEqual(['index.json', 'shard-0000-of-0001.bin', 'shard-0000-of-0001.json']);
      for (const file of files) {
        const original = readFileSync(path.join(cacheDir, file));
        const bad = await fuzz(original, file.endsWith('.bin') ? 300 : 600, async (b) => {
          const dir = path.join(root, 'case-cache');
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir);
          for (const f of files) writeFileSync(path.join(dir, f), f === file ? b : readFileSync(path.join(cacheDir, f)));
          const cache = await openCache(dir);
          try {
            for (let i = 0; i < cache.size; i++) await cache.read(i);
          } finally {
            cache.close();
          }
        });
        expect(bad, file).toEqual([]);
      }
    });
  });

  it('refuses headers that claim 10^12 elements before allocating: each a UserError, peak RSS under 300 MB', () => {
    const script = fileURLToPath(new URL('./fixtures/crafted-headers.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { results, peakRssMb } = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(results)).toHaveLength(5);
    for (const [name, outcome] of Object.entries(results as Record<string, string>)) expect(outcome, name).toMatch(/^UserError: .*(truncated|needs|claims)/);
    expect(peakRssMb).toBeLessThan(300);
  });
});
