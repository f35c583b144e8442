import { promises as fsp } from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeCommand } from '../../src/cli/commands/decode.js';
import { doctorCommand, doctorReport } from '../../src/cli/commands/doctor.js';
import { makeClip, tempDir } from '../media/fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('selavi-cmd-');
  await fsp.mkdir(path.join(dir, 'videos'));
  await makeClip(path.join(dir, 'videos', 'a.mp4'), { seconds: 1 });
  await fsp.writeFile(path.join(dir, 'videos', 'b.mp4'), 'not a video');
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

async function run(cmd: object, argv: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  try {
    await yargs(argv).command(cmd as never).strict().fail((msg, err) => {
      throw err ?? new Error(msg);
    }).parseAsync();
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

describe('selavi decode / doctor', () => {
  it('decode: flags map to the cache builder; a rerun says it is complete', async () => {
    const out = path.join(dir, 'cache');
    const text = await run(decodeCommand, ['decode', path.join(dir, 'videos'), '--out', out, '--clip-seconds', '1', '--frames', '2', '--size', '16']);
    expect(text).toMatch(/decoded 1 clips from 2 files/);
    expect(text).toMatch(/skipped 1 files \(see skipped\.csv\):\n {2}.*b\.mp4: ffprobe: Invalid data/);
    const idx = JSON.parse(await fsp.readFile(path.join(out, 'index.json'), 'utf8'));
    expect(idx.frameShape).toEqual([2, 16, 16, 3]);
    const again = await run(decodeCommand, ['decode', path.join(dir, 'videos'), '--out', out, '--clip-seconds', '1', '--frames', '2', '--size', '16', '--json']);
    expect(JSON.parse(again)).toMatchObject({ alreadyComplete: true, clips: 1 });
    await expect(run(decodeCommand, ['decode', path.join(dir, 'videos'), '--out', out, '--short', 'maybe'])).rejects.toThrow(/Invalid values/);
  });

  it('doctor: names ffmpeg and ffprobe with source and version line, and the backend (or why not)', async () => {
    const { lines } = await doctorReport();
    const text = lines.join('\n');
    expect(text).toMatch(/^ffmpeg: \/.*\(found via [^)]+\)\n {2}ffmpeg version /m);
    expect(text).toMatch(/^ffprobe: \/.*\(found via [^)]+\)\n {2}ffprobe version /m);
    expect(text).toMatch(/^backend: /m);
    const printed = await run(doctorCommand, ['doctor']);
    expect(printed).toContain('ffmpeg: ');
    process.exitCode = undefined; // doctor sets 1 while the backend module is not there yet
  });
});
