/** Which ffmpeg decodes: FFMPEG_PATH, else the newest build present, never the order of a list. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareBuilds, locate, parseToolBuild, readToolBuild } from '../../src/media/ffmpeg-path.js';

const root = mkdtempSync(path.join(tmpdir(), 'selavi-ffmpeg-path-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder holding a fake `ffmpeg` that prints `line` for -version. */
function fakeFfmpeg(name: string, line: string): string {
  const dir = path.join(root, name);
  const bin = path.join(dir, 'ffmpeg');
  mkdirSync(dir, { recursive: true });
  writeFileSync(bin, `#!/bin/sh\necho '${line}'\n`);
  chmodSync(bin, 0o755);
  return dir;
}

describe('parseToolBuild', () => {
  it('reads the version, the build year and the release number of real version lines', () => {
    expect(parseToolBuild('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers')).toEqual({ version: '5.1.9-0+deb12u1', year: 2026, release: [5, 1, 9] });
    expect(parseToolBuild('ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018 the FFmpeg developers')).toEqual({ version: 'N-47683-g0e8eb07980-static', year: 2018 });
    expect(parseToolBuild('ffmpeg version 6.0-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2023 the FFmpeg developers')).toEqual({ version: '6.0-static', year: 2023, release: [6, 0, 0] });
    expect(parseToolBuild('ffmpeg version n7.1 Copyright (c) 2000-2024 the FFmpeg developers').release).toEqual([7, 1, 0]);
    expect(parseToolBuild('garbage')).toEqual({ version: 'unknown' });
  });
});

describe('compareBuilds', () => {
  it('puts the newer year first, then the higher release; unknowns last', () => {
    const deb = parseToolBuild('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026');
    const old = parseToolBuild('ffmpeg version N-47683-g0e8eb07980-static Copyright (c) 2000-2018');
    const seven = parseToolBuild('ffmpeg version 7.1 Copyright (c) 2000-2026');
    const sorted = [old, parseToolBuild('nothing'), deb, seven].sort(compareBuilds);
    expect(sorted.map((b) => b.version)).toEqual(['7.1', '5.1.9-0+deb12u1', 'N-47683-g0e8eb07980-static', 'unknown']);
    expect(compareBuilds(deb, deb)).toBe(0);
  });
});

describe('locate', () => {
  it('takes a newer ffmpeg on PATH over the bundled 2018 build, and the bundled one over an older PATH one', () => {
    const bundled = readToolBuild(locate('ffmpeg', { PATH: '' }).path);
    expect(bundled?.year, 'the bundled @ffmpeg-installer build').toBe(2018);
    const newer = fakeFfmpeg('newer', 'ffmpeg version 9.9.9 Copyright (c) 2000-2031 the FFmpeg developers');
    expect(locate('ffmpeg', { PATH: newer })).toMatchObject({ path: path.join(newer, 'ffmpeg'), source: 'PATH', build: { year: 2031 } });
    const older = fakeFfmpeg('older', 'ffmpeg version 2.8 Copyright (c) 2000-2015 the FFmpeg developers');
    expect(locate('ffmpeg', { PATH: older })).toMatchObject({ source: '@ffmpeg-installer/ffmpeg', build: { year: 2018 } });
  });

  it('keeps FFMPEG_PATH whatever its age, and refuses one that is not executable', () => {
    const older = fakeFfmpeg('explicit', 'ffmpeg version 2.8 Copyright (c) 2000-2015 the FFmpeg developers');
    expect(locate('ffmpeg', { FFMPEG_PATH: path.join(older, 'ffmpeg'), PATH: '' })).toMatchObject({ source: 'FFMPEG_PATH' });
    expect(() => locate('ffmpeg', { FFMPEG_PATH: path.join(root, 'nope') })).toThrow(/FFMPEG_PATH=.*nope: not an executable file/);
  });

  it('passes over a binary that does not run', () => {
    const broken = path.join(root, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(path.join(broken, 'ffmpeg'), '#!/bin/sh\nexit 3\n');
    chmodSync(path.join(broken, 'ffmpeg'), 0o755);
    expect(locate('ffmpeg', { PATH: broken }).source).toBe('@ffmpeg-installer/ffmpeg');
  });
});

describe('staleDecoderWarning', () => {
  it('warns once per process when the decoding build is two or more years old, naming it and the fix', async () => {
    const { staleDecoderWarning } = await import('../../src/media/ffmpeg-path.js');
    const used = locate('ffmpeg');
    const year = used.build?.year;
    expect(year, 'the build year of the ffmpeg in use').toBeDefined();
    expect(staleDecoderWarning(new Date(Date.UTC(year! + 1, 6, 1)))).toBeUndefined();
    const warning = staleDecoderWarning(new Date(Date.UTC(year! + 2, 0, 1)));
    expect(warning).toBe(`warning: decoding with a ${year} ffmpeg build (${used.source}: ${used.path}), which lacks years of decoder security fixes: install a current one (e.g. apt-get install ffmpeg) or set FFMPEG_PATH`);
    expect(staleDecoderWarning(new Date(Date.UTC(year! + 9, 0, 1)))).toBeUndefined(); // said once
  });
});
