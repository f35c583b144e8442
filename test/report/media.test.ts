/** Clip media for the report: what a card says when there is no preview. */
import { promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stderrReason } from '../../src/media/run-process.js';
import { makeClipMedia } from '../../src/report/media.js';
import { writeReport } from '../../src/report/write-report.js';
import { decodeClip } from '../../src/media/decode-clip.js';
import { resolveDecodeOptions } from '../../src/media/decode-options.js';
import { probeMedia } from '../../src/media/probe.js';
import { syntheticRun } from '../helpers/synthetic-run.js';
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

describe('a clip that was used though damaged', () => {
  it('says so when decoded (a truncated mkv), and the report lists it in words', async () => {
    const whole = await makeClip(path.join(dir, 'whole.mkv'), { seconds: 3 });
    const bytes = readFileSync(whole);
    const cut = path.join(dir, 'cut.mkv');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const media = await probeMedia(cut);
    const clip = await decodeClip(cut, (media.duration - 2) / 2, resolveDecodeOptions());
    expect(clip.note).toMatch(/^damaged: only [0-3] of 4 frames decoded, though the file says it lasts 3\.0 s \(truncated\?\): the last one is repeated; clustered from what decoded$/);
    const intact = await decodeClip(whole, 0.5, resolveDecodeOptions());
    expect(intact.note).toBeUndefined();

    // The run's cache carries the note to the report's notes.
    const run = syntheticRun(path.join(dir, 'run'), { rows: 3, clips: 3, clusterOf: (i) => i % 2 });
    const indexFile = path.join(run.dir, 'cache', 'index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8'));
    index.clips[0].note = clip.note;
    writeFileSync(indexFile, JSON.stringify(index));
    const { html } = await writeReport({ run: run.dir, progress: 'quiet' });
    expect(readFileSync(html, 'utf8')).toContain('truncated?): the last one is repeated; clustered from what decoded');
  });
});
