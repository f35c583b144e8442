/** `selavi sela` on a tiny folder of PNGs: --nuisance reaches the run log (it was accepted and dropped). */
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
