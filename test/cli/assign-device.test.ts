/** `--device` and `--decode-jobs` choose the released network's engine: refused, in one line, where no released network runs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'selavi-assign-device-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('assign --run with --device', () => {
  it('refuses --device and --decode-jobs for a run trained from scratch (no released network), exit 2', async () => {
    for (const flag of [['--device', 'cpu'], ['--decode-jobs', '2']]) {
      const r = await runCli(['assign', tmp, '--run', tmp, '--out', path.join(tmp, 'x.csv'), ...flag]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(new RegExp(`^selavi: ${flag[0]} goes with --weights, or a --run made by cluster --init .*--backend chooses its engine\\)$`));
    }
  });

  it('refuses a --device that is not one of the engines, naming the choices', async () => {
    const r = await runCli(['assign', tmp, '--weights', path.join(tmp, 'w.pth'), '--out', path.join(tmp, 'x.csv'), '--device', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Choices: "auto", "cpu", "webgpu", "cuda", "wasm"/);
  });
});
