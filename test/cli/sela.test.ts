/**
 * `selavi sela` on a tiny folder of PNGs: --nuisance reaches the run log (it was accepted and
 * dropped), --export; on 600 IDX images, the answer read from the features (--answer).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyArray } from '../../src/data/npy.js';
import { normalizedMutualInfo } from '../../src/eval/nmi.js';
import { runCli } from '../helpers/run-cli.js';
import { solidPng } from '../helpers/solid-png.js';

const root = mkdtempSync(path.join(tmpdir(), 'selavi-cli-sela-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('selavi sela --nuisance', () => {
  it('reports NMI against each nuisance attribute in log.jsonl', async () => {
    const dir = path.join(root, 'images');
    const meta: string[] = [];
    for (let i = 0; i < 8; i++) {
      const v = i % 2 ? 220 : 30;
      const name = `img${i}.png`;
      meta.push(JSON.stringify({ path: `images/${name}`, shade: i % 2 ? 'light' : 'dark' }));
      solidPng(path.join(dir, name), 8, 8, [v, v, v, 255]);
    }
    const metaFile = path.join(root, 'meta.jsonl');
    writeFileSync(metaFile, `${meta.join('\n')}\n`);
    const out = path.join(root, 'run');
    const r = await runCli(['sela', dir, '--out', out, '--nuisance', metaFile, '--size', '8', '--k', '2', '--heads', '1', '--width', '4', '--epochs', '1', '--batch-size', '4', '--label-updates', '1', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const log = readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const entry of log) {
      expect(entry.nmi_nuisance.shade).toBeGreaterThanOrEqual(0);
      expect(entry.nmi_nuisance.shade).toBeLessThanOrEqual(1);
    }
    // The final entry's figure is the NMI of head 0's final labels (clusters.csv) against the shade.
    const rows = readFileSync(path.join(out, 'clusters.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const shade = rows.map(([p]) => Number(/img(\d)\.png$/.exec(p)![1]) % 2);
    const head0 = rows.map((cells) => Number(cells[3]));
    expect(log.at(-1).nmi_nuisance.shade).toBeCloseTo(normalizedMutualInfo(shade, head0), 4);
  });
});

describe('selavi sela --export', () => {
  it("writes items.csv, the image encoder's features and each head's logits, in clusters.csv order", async () => {
    const dir = path.join(root, 'export-images');
    for (let i = 0; i < 6; i++) solidPng(path.join(dir, `img${i}.png`), 8, 8, [i * 40, 255 - i * 40, 90, 255]);
    const out = path.join(root, 'export-run');
    const arrays = path.join(root, 'arrays');
    const r = await runCli(['sela', dir, '--out', out, '--export', arrays, '--size', '8', '--k', '2', '--heads', '2', '--width', '4', '--epochs', '1', '--batch-size', '3', '--label-updates', '1', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const clusters = readFileSync(path.join(out, 'clusters.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(readFileSync(path.join(arrays, 'items.csv'), 'utf8').trim().split('\n')).toEqual(['path', ...clusters.map((c) => c[0])]);
    const features = readNpyArray(path.join(arrays, 'features-image.npy'));
    expect(features.shape).toEqual([6, 4 * 4]); // 4 x width
    expect(features.data.some((v) => v !== 0)).toBe(true);
    for (const h of [0, 1]) expect(readNpyArray(path.join(arrays, `logits-head${h}.npy`)).shape).toEqual([6, 2]);
  });
});

describe('selavi sela --answer', () => {
  // 600 8x8 IDX images of three kinds (horizontal stripes, vertical stripes, a checkerboard), noise on
  // each pixel, and their labels.
  const n = 600;
  const images = path.join(root, 'three-kinds-images-idx3-ubyte');
  const labels = path.join(root, 'three-kinds-labels-idx1-ubyte');
  const header = (magic: number, dims: number[]) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
    return b;
  };
  const pixels = Buffer.alloc(n * 64);
  const kinds = Buffer.alloc(n);
  let state = 12345;
  const noise = () => ((state = (state * 1103515245 + 12345) >>> 0) % 41) - 20;
  for (let i = 0; i < n; i++) {
    kinds[i] = i % 3;
    for (let p = 0; p < 64; p++) {
      const [row, col] = [p >> 3, p & 7];
      const on = kinds[i] === 0 ? row % 2 : kinds[i] === 1 ? col % 2 : (row + col) % 2;
      const base = on ? 220 : 30;
      pixels[i * 64 + p] = Math.max(0, Math.min(255, base + noise()));
    }
  }
  writeFileSync(images, Buffer.concat([header(0x803, [n, 8, 8]), pixels]));
  writeFileSync(labels, Buffer.concat([header(0x801, [n]), kinds]));
  const flags = ['--k', '3', '--heads', '1', '--width', '4', '--epochs', '1', '--batch-size', '64', '--label-updates', '1', '--backend', 'cpu'];

  it("answers by default with k-means on a UMAP embedding of the encoder's features, and reports the heads' answer beside it", async () => {
    const out = path.join(root, 'answer-features');
    const r = await runCli(['sela', images, '--truth', labels, '--out', out, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/answer: k-means on a UMAP embedding of the encoder's features/);
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.answer_rule).toBe('umap-kmeans-on-features');
    expect(metrics.heads_answer.nmi).toBeGreaterThanOrEqual(0);
    expect(metrics.nmi).toBeGreaterThan(0.8); // three kinds that any encoder's features tell apart
    const rows = readFileSync(path.join(out, 'clusters.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(n);
    expect(normalizedMutualInfo(Array.from(kinds), rows.map((c) => Number(c[1])))).toBeCloseTo(metrics.nmi, 4);
    for (const c of rows) expect(Number(c[2])).toBeGreaterThanOrEqual(0.5);
  });

  it("answers with the heads when asked, and where there are too few items for neighbourhoods", async () => {
    const heads = path.join(root, 'answer-heads');
    const r = await runCli(['sela', images, '--truth', labels, '--out', heads, '--answer', 'heads', ...flags]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(heads, 'metrics.json'), 'utf8')).answer_rule).toBe('heads');
    const few = path.join(root, 'answer-few');
    const f = await runCli(['sela', images, '--truth', labels, '--limit', '300', '--out', few, ...flags]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/answer: the heads' \(300 items are too few/);
    expect(JSON.parse(readFileSync(path.join(few, 'metrics.json'), 'utf8')).answer_rule).toBe('heads');
  });
});
