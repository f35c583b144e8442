/** Clip media for the report: what a card says when there is no preview. */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stderrReason } from '../../src/media/run-process.js';
import { makeClipMedia } from '../../src/report/media.js';
import { makeClip, tempDir } from '../media/fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('stderrReason', () => {
  it("passes over ffmpeg's 'Last message repeated' lines to the failure itself", () => {
    const tail = '[matroska,webm @ 0x55d0c1a2b3c0] Read error\nLast message repeated 3 times\n';
    expect(stderrReason(tail, 'file:/v/a.webm')).toBe('Read error');
  });
});

describe('makeClipMedia', () => {
  it('says in words why a 0.2 s clip has no preview, and what the card shows', async () => {
    const short = await makeClip(path.join(dir, 'short.mp4'), { seconds: 0.2 });
    const ok = await makeClip(path.join(dir, 'ok.mp4'), { seconds: 2 });
    const [bad, good] = await makeClipMedia(
      [
        { file: short, start: 0.5, seconds: 2, audio: false },
        { file: ok, start: 0, seconds: 2, audio: false },
      ],
      path.join(dir, 'media'),
      { progress: 'quiet' },
    );
    expect(bad!.strip).toBeUndefined();
    expect(bad!.error).toMatch(/^no preview: (no frame of 0\.5-2\.5 s could be decoded \(the video is shorter, or damaged there\)|ffmpeg failed on 0\.5-2\.5 s \(.+\)); the card shows no picture$/);
    expect(bad!.error).not.toMatch(/exit code 0/);
    expect(good!.strip).toMatch(/\.jpg$/);
  });
});
