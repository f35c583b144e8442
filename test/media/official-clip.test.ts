import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaDecodeError } from '../../src/errors.js';
import { decodeOfficialClip, officialVideoFilter } from '../../src/media/decode-official-clip.js';
import { locate } from '../../src/media/ffmpeg-path.js';
import {
  officialAudioWindow,
  officialFrameIndices,
  officialFrameTensor,
  officialFrameWindow,
  officialSpectrogram,
  shortSideResize,
} from '../../src/media/official-clip.js';
import { parseVideoTiming, probeVideoTiming } from '../../src/media/video-timing.js';
import { expectClose } from '../helpers/expect-close.js';
import { makeClip, tempDir, truncateCopy } from './fixtures.js';
import { readNpyArray } from '../../src/data/npy.js';
import { haveOfficialFixture, officialFixture } from '../helpers/official-fixture.js';

const run = promisify(execFile);

describe('officialFrameWindow (the middle clip, clip_idx 500 of 1000)', () => {
  it('fixture clip: 75 frames at 30 fps → start_idx int(45 · 500/1000) = 22, pts [22·512, 51·512]', () => {
    const w = officialFrameWindow({ fps: 30, frames: 75, durationTicks: 38400, timeBase: 1 / 15360 });
    expect(w).toEqual({ clipSize: 30, frames: 75, startIdx: 22, endIdx: 51, ticksPerFrame: 512, startPts: 11264, endPts: 26112 });
  });

  it('29.97 fps: clipSize 29.97 frames, start int(270.03/2) = 135, pts truncated', () => {
    const fps = 30000 / 1001;
    const w = officialFrameWindow({ fps, frames: 300, durationTicks: 300 * 1001, timeBase: 1 / 30000 });
    expect(w.clipSize).toBeCloseTo(29.97003, 5);
    expect(w.startIdx).toBe(135);
    expect(w.startPts).toBe(135 * 1001);
    // (135 + 30000/1001 - 1) · 1001 = 134·1001 + 30000 = 164134; the same float64 operations as Python's
    expect(w.endPts).toBe(164134);
  });

  it('a video shorter than a second starts at frame 0', () => {
    expect(officialFrameWindow({ fps: 30, frames: 20, durationTicks: 20 * 512, timeBase: 1 / 15360 }).startIdx).toBe(0);
  });

  it('no frame count (mkv): duration · fps frames and 1/(fps · time base) ticks per frame', () => {
    const w = officialFrameWindow({ fps: 25, frames: 0, durationTicks: 10_000, timeBase: 1 / 1000 });
    expect(w.frames).toBe(250);
    expect(w.ticksPerFrame).toBe(40);
    expect(w.startIdx).toBe(112); // int((250 - 25) / 2)
    expect(w.startPts).toBe(4480);
  });

  it('throws without a frame rate or a length', () => {
    expect(() => officialFrameWindow({ fps: 0, frames: 75, durationTicks: 38400, timeBase: 1 / 15360 })).toThrow(/frame rate/);
    expect(() => officialFrameWindow({ fps: 30, frames: 0, durationTicks: Number.NaN, timeBase: 1 / 15360 })).toThrow(/frame count/);
  });
});

describe('officialFrameIndices (torch.linspace(0, clipSize - 1, 30), clamped)', () => {
  it('30 fps, 31 frames decoded (window + the one after): the first 30', () => {
    expect([...officialFrameIndices(31, 30)]).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('a short video repeats its last frame', () => {
    expect([...officialFrameIndices(10, 30)]).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...new Array(20).fill(9)]);
  });

  it('60 fps: every 59/29 ≈ 2.034 frames, truncated', () => {
    const idx = officialFrameIndices(61, 60);
    expect([idx[0], idx[1], idx[14], idx[15], idx[28], idx[29]]).toEqual([0, 2, 28, 30, 56, 59]);
  });
});

describe('officialAudioWindow', () => {
  it('1 s from round(start_idx / fps · 24000)', () => {
    expect(officialAudioWindow(22, 30, 60416)).toEqual({ from: 17600, to: 41600 });
  });

  it('the last second when the window runs past the end', () => {
    expect(officialAudioWindow(60, 30, 60000)).toEqual({ from: 36000, to: 60000 });
  });

  it('rounds halves to even, as numpy does', () => {
    expect(officialAudioWindow(1, 48000, 30000).from).toBe(0); // 0.5 → 0
    expect(officialAudioWindow(3, 48000, 30000).from).toBe(2); // 1.5 → 2
  });

  it('throws for a track shorter than the window', () => {
    expect(() => officialAudioWindow(0, 30, 23999)).toThrow(RangeError);
  });
});

describe('officialFrameTensor', () => {
  it('short side to 112, long side floor(long/short · 112)', () => {
    expect(shortSideResize(160, 120)).toEqual({ width: 149, height: 112 });
    expect(shortSideResize(120, 160)).toEqual({ width: 112, height: 149 });
    expect(shortSideResize(1920, 1080)).toEqual({ width: 199, height: 112 });
    expect(shortSideResize(100, 100)).toEqual({ width: 112, height: 112 });
    expect(shortSideResize(200, 112)).toEqual({ width: 200, height: 112 }); // already 112: untouched
  });

  it('a 4x2 frame whose short side is already the size: centre crop columns 1..2, normalised', () => {
    // (v/255 - 0.45)/0.225: 0 → -2, 255 → 2.444444, 51 → -1.111111 (0.2 - 0.45 = -0.25)
    const rgb = Uint8Array.from([0, 0, 0, 51, 51, 51, 255, 255, 255, 0, 0, 0, /* row 2 */ 0, 0, 0, 255, 255, 255, 51, 51, 51, 0, 0, 0]);
    const out = officialFrameTensor(rgb, 4, 2, 2); // [2, 2, 3]
    expectClose(out, [-10 / 9, -10 / 9, -10 / 9, 22 / 9, 22 / 9, 22 / 9, 22 / 9, 22 / 9, 22 / 9, -10 / 9, -10 / 9, -10 / 9], 1e-6);
  });

  it('a 2x2 frame to size 1: the mean of the four normalised pixels', () => {
    const rgb = Uint8Array.from([0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
    expectClose(officialFrameTensor(rgb, 2, 2, 1), [2 / 9, 2 / 9, 2 / 9], 1e-6); // (-2 - 2 + 22/9 + 22/9)/4
  });
});

describe('parseVideoTiming', () => {
  it('reads ffprobe JSON, with N/A and missing fields as unknown', () => {
    const t = parseVideoTiming(
      '{"streams":[{"width":160,"height":120,"pix_fmt":"yuv420p","avg_frame_rate":"30/1","time_base":"1/15360","start_pts":0,"duration_ts":38400,"nb_frames":"75"}]}',
    );
    expect(t).toEqual({ fps: 30, frames: 75, durationTicks: 38400, timeBase: 1 / 15360, startPts: 0, width: 160, height: 120, pixFmt: 'yuv420p' });
    const mkv = parseVideoTiming('{"streams":[{"avg_frame_rate":"25/1","time_base":"1/1000","nb_frames":"N/A"}]}');
    expect(mkv?.frames).toBe(0);
    expect(mkv?.durationTicks).toBeNaN();
    expect(parseVideoTiming('{"streams":[]}')).toBeUndefined();
  });
});

describe.skipIf(!haveOfficialFixture)('decodeOfficialClip on the official fixture clip', () => {
  const file = officialFixture('clip-160x120-30fps.mp4');

  /** max |a - b| and max |a - b| / |b|, with a in our layout and b read from the fixture. */
  const maxErrors = (a: Float32Array, b: Float32Array) => {
    let abs = 0;
    let rel = 0;
    let within = true;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      abs = Math.max(abs, d);
      rel = Math.max(rel, d / Math.abs(b[i]));
      within &&= d <= 1e-3 * Math.abs(b[i]) + 1e-4;
    }
    return { abs, rel, within };
  };

  it('frames match clip-video-input.npy ([3, 30, 112, 112]) within 1e-3', async () => {
    const clip = await decodeOfficialClip(file);
    expect(clip.window.startIdx).toBe(22);
    expect(clip.framesInWindow).toBe(31); // frames 22..51 and 52 (PyAV keeps the first one past the window)
    expect(clip.frameShape).toEqual([30, 112, 112, 3]);
    const want = readNpyArray(officialFixture('clip-video-input.npy'));
    expect(want.shape).toEqual([3, 30, 112, 112]);
    // ours [T, H, W, C] → theirs [C, T, H, W]
    const [T, S] = [30, 112];
    const ours = new Float32Array(want.data.length);
    for (let t = 0; t < T; t++) for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) {
      ours[((c * T + t) * S + y) * S + x] = clip.frames[((t * S + y) * S + x) * 3 + c];
    }
    const { abs } = maxErrors(ours, want.data);
    expect(abs).toBeLessThanOrEqual(1e-3); // measured: 4.8e-7 (float32 rounding)
  });

  it('spectrogram matches clip-audio-spec.npy ([1, 257, 99]) and the z-normalised one within 1e-3 relative', async () => {
    const raw = await decodeOfficialClip(file, { zNormalize: false });
    expect(raw.audio).toEqual({ from: 17600, to: 41600, total: 60416 }); // round(22/30 · 24000) = 17600
    expect(raw.specShape).toEqual([257, 99]);
    const want = readNpyArray(officialFixture('clip-audio-spec.npy'));
    expect(want.shape).toEqual([1, 257, 99]);
    const e = maxErrors(raw.spec, want.data);
    expect(e.within, `max abs ${e.abs}, max rel ${e.rel}`).toBe(true); // measured: 0 (bit-identical)

    const z = await decodeOfficialClip(file);
    const ez = maxErrors(z.spec, readNpyArray(officialFixture('clip-audio-spec-znorm.npy')).data);
    expect(ez.within, `max abs ${ez.abs}, max rel ${ez.rel}`).toBe(true); // measured: 0
  });

  it('the pure spectrogram step turns the raw fixture into the z-normalised one', () => {
    const raw = readNpyArray(officialFixture('clip-audio-spec.npy')).data;
    const z = readNpyArray(officialFixture('clip-audio-spec-znorm.npy')).data;
    const mean = Math.fround(1.93);
    const std = Math.fround(17.89);
    expectClose(raw.map((v) => Math.fround(v - mean) / std), z, 1e-6);
    expect(officialSpectrogram(new Int16Array(24000)).length).toBe(257 * 99);
  });
});

describe('decodeOfficialClip on generated clips', () => {
  let dir: string;
  let base: string;
  let ffmpeg: string;
  beforeAll(async () => {
    dir = await tempDir('selavi-official-');
    ffmpeg = locate('ffmpeg').path;
    base = await makeClip(path.join(dir, 'base.mp4'), { seconds: 2, rate: 25, size: '64x48', audio: 440 });
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('ignores colour tags and rotation metadata, as PyAV does', async () => {
    // Same h264 stream, remuxed with a BT.709 matrix tag / a 90° rotation: PyAV decodes the same
    // pixels, while the ffmpeg CLI's defaults would use BT.709 or rotate the picture.
    const tagged = path.join(dir, 'tagged.mp4');
    const rotated = path.join(dir, 'rotated.mp4');
    await run(ffmpeg, ['-v', 'error', '-y', '-i', base, '-c', 'copy', '-bsf:v', 'h264_metadata=matrix_coefficients=1:colour_primaries=1:transfer_characteristics=1', tagged]);
    await run(ffmpeg, ['-v', 'error', '-y', '-i', base, '-c', 'copy', '-metadata:s:v', 'rotate=90', rotated]);
    const [a, b, c] = await Promise.all([base, tagged, rotated].map((f) => decodeOfficialClip(f)));
    expect(a.window.startIdx).toBe(12); // 50 frames at 25 fps: int((50 - 25)/2)
    expectClose(b.frames, a.frames, 0); // (toEqual on 1.1M floats takes seconds)
    expectClose(c.frames, a.frames, 0);
    expect((await probeVideoTiming(tagged)).width).toBe(64);
  });

  it('the select filter keeps the pts window and the first frame after it', () => {
    const w = officialFrameWindow({ fps: 30, frames: 75, durationTicks: 38400, timeBase: 1 / 15360 });
    expect(officialVideoFilter(w, { startPts: 0, pixFmt: 'yuv420p' })).toBe(
      "select='gte(pts\\,11264)*(isnan(prev_selected_pts)+lte(prev_selected_pts\\,26112))',scale=in_color_matrix=bt601:out_color_matrix=bt601:in_range=tv:flags=bilinear,format=rgb24",
    );
    expect(officialVideoFilter(w, { startPts: 1000, pixFmt: 'yuvj420p' })).toMatch(/gte\(pts\\,12264\).*\\,27112\).*bt601:flags=bilinear/);
  });

  it('skips a video without an audio stream with a MediaDecodeError naming the file', async () => {
    const silent = await makeClip(path.join(dir, 'silent.mp4'), { seconds: 2, audio: false });
    const err = await decodeOfficialClip(silent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaDecodeError);
    expect((err as MediaDecodeError).file).toBe(silent);
    expect((err as Error).message).toMatch(/no audio stream/);
  });

  it('rejects audio shorter than the 1 s window', async () => {
    const short = await makeClip(path.join(dir, 'short.mp4'), { seconds: 0.5 });
    await expect(decodeOfficialClip(short)).rejects.toThrow(/short\.mp4: audio track of 0\.\d+s, shorter than the 1s/);
  });

  it('rejects an audio-only file, a truncated file and a missing file', async () => {
    const audioOnly = await makeClip(path.join(dir, 'audio.mp4'), { seconds: 1, video: false });
    await expect(decodeOfficialClip(audioOnly)).rejects.toThrow(/audio\.mp4: no video stream \(audio-only file\)/);
    const broken = await truncateCopy(base, path.join(dir, 'broken.mp4'));
    await expect(decodeOfficialClip(broken)).rejects.toBeInstanceOf(MediaDecodeError);
    await expect(decodeOfficialClip(path.join(dir, 'missing.mp4'))).rejects.toThrow(/missing\.mp4: cannot read/);
  });
});
