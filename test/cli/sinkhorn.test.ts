import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readNpyArray, writeNpy } from '../../src/data/npy.js';
import { sinkhorn } from '../../src/sinkhorn/sinkhorn.js';
import { runCli } from '../helpers/run-cli.js';
import { clusteredLogits } from '../helpers/clustered-logits.js';

const dir = mkdtempSync(path.join(tmpdir(), 'selavi-cli-sk-'));

describe('selavi sinkhorn', () => {
  it('writes balanced int32 labels and prints one JSON line', async () => {
    const { logits } = clusteredLogits(600, 6, { seed: 11, skew: 1 });
    const input = path.join(dir, 'logits.npy');
    const out = path.join(dir, 'labels.npy');
    writeNpy(input, logits, [600, 6]);
    const t0 = performance.now();
    const { code, stdout } = await runCli(['sinkhorn', input, '--lambda', '20', '--out', out]);
    const wall = (performance.now() - t0) / 1000;
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]);
    expect(summary).toMatchObject({ n: 600, k: 6, converged: true });
    expect(summary.iters).toBeGreaterThan(0);
    expect(summary.err).toBeLessThanOrEqual(1e-3);
    // The solve's own time, in seconds (not ms): within the call's wall time, at ms resolution.
    expect(summary.seconds).toBeLessThanOrEqual(wall);
    expect(Math.round(summary.seconds * 1000)).toBeCloseTo(summary.seconds * 1000, 6);
    const bytes = readFileSync(out);
    const headerLen = bytes.readUInt16LE(8);
    const labels = new Int32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLen, bytes.byteOffset + bytes.length));
    const counts = new Array(6).fill(0);
    for (const l of labels) counts[l]++;
    for (const c of counts) expect(Math.abs(c - 100)).toBeLessThanOrEqual(10);
  });

  it("reads a big .npy straight into the threads' memory and answers as the in-memory solve does, with SeLa's rule", async () => {
    // 5,000 x 20 = 100,000 entries: above the 65,536 where the WebAssembly threads take over.
    const n = 5000;
    const k = 20;
    const { logits } = clusteredLogits(n, k, { seed: 13, skew: 1 });
    const input = path.join(dir, 'big.npy');
    const out = path.join(dir, 'big-labels.npy');
    writeNpy(input, logits, [n, k]);
    const { code, stdout } = await runCli(['sinkhorn', input, '--stop', 'sela', '--out', out]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ n, k, converged: true });
    expect(summary.iterate_seconds).toBeGreaterThan(0); // the threads' solver reports its phases
    const labels = readNpyArray(out).data;
    const expected = sinkhorn(logits, n, k, { stop: 'sela', engine: 'js' }).labels;
    let same = 0;
    for (let i = 0; i < n; i++) if (labels[i] === expected[i]) same++;
    expect(same / n).toBeGreaterThanOrEqual(0.999);
  });

  it('applies a Gaussian prior when asked', async () => {
    const { logits } = clusteredLogits(600, 6, { seed: 12 });
    const input = path.join(dir, 'g.npy');
    writeNpy(input, logits, [600, 6]);
    const { code, stdout } = await runCli(['sinkhorn', input, '--prior', 'gauss', '--sd', '0.3', '--out', path.join(dir, 'g-labels.npy')]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).n).toBe(600);
  });

  it('exits 2 with one line naming the file for a malformed .npy', async () => {
    const bad = path.join(dir, 'bad.npy');
    writeFileSync(bad, 'not numpy at all');
    const { code, stderr, stdout } = await runCli(['sinkhorn', bad, '--out', path.join(dir, 'x.npy')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${bad}: not a .npy file`);
  });

  it('exits 2 for an empty file and for a bad flag value', async () => {
    const empty = path.join(dir, 'empty.npy');
    writeFileSync(empty, '');
    expect((await runCli(['sinkhorn', empty, '--out', path.join(dir, 'y.npy')])).stderr).toMatch(/empty\.npy: empty file/);
    const { logits } = clusteredLogits(10, 2, { seed: 1 });
    const ok = path.join(dir, 'ok.npy');
    writeNpy(ok, logits, [10, 2]);
    const r = await runCli(['sinkhorn', ok, '--lambda', '-1', '--out', path.join(dir, 'z.npy')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lambda > 0, got -1/);
    const unknown = await runCli(['sinkhorn', ok, '--out', path.join(dir, 'z.npy'), '--prior', 'zipf']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/prior/);
  });

  it('exits 2 with one line naming the path when --out cannot be written (a file where its folder should be)', async () => {
    const { logits } = clusteredLogits(10, 2, { seed: 2 });
    const input = path.join(dir, 'w.npy');
    writeNpy(input, logits, [10, 2]);
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const { code, stderr } = await runCli(['sinkhorn', input, '--out', path.join(blocker, 'labels.npy')]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(blocker);
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
