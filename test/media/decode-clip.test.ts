import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaDecodeError } from '../../src/errors.js';
import { decodeClip, ffmpegClipArgs, repeatToFill } from '../../src/media/decode-clip.js';
import { resolveDecodeOptions } from '../../src/media/decode-options.js';
import { melFilterbank } from '../../src/media/melspec.js';
import { probeMedia } from '../../src/media/probe.js';
import { runProcess } from '../../src/media/run-process.js';
import { makeClip, tempDir } from './fixtures.js';

let dir: string;
let ramp: string;

beforeAll(async () => {
  dir = await tempDir();
  ramp = await makeClip(path.join(dir, 'ramp.mp4'), { video: 'ramp', seconds: 2, audio: 1000 });
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const frameMeans = (frames: Float32Array, K: number) => {
  const per = frames.length / K;
  return Array.from({ length: K }, (_, k) => frames.subarray(k * per, (k + 1) * per).reduce((a, b) => a + b, 0) / per);
};

describe('probeMedia', () => {
  it('reads duration, fps, size and audio streams', async () => {
    const m = await probeMedia(ramp);
    expect(m.duration).toBeCloseTo(2, 1);
    expect(m.video).toMatchObject({ codec: 'h264', width: 64, height: 48, fps: 25 });
    expect(m.audioStreams).toBe(1);
    expect(m.audio?.sampleRate).toBe(44100);
  });

  it('kills a probe that hangs (a FIFO nobody writes) after the timeout', async () => {
    const fifo = path.join(dir, 'fifo.mp4');
    await promisify(execFile)('mkfifo', [fifo]);
    const t0 = Date.now();
    // stat says "not a regular file" before ffprobe would block on it
    await expect(probeMedia(fifo, { timeoutMs: 500 })).rejects.toThrow(/not a regular file/);
    // and decodeClip, told it is a video, runs ffmpeg on it: ffmpeg blocks opening the FIFO -> killed
    const fakeInfo = { duration: 2, formatName: 'mp4', video: { codec: 'h264', width: 64, height: 48, fps: 25 }, audioStreams: 1 };
    await expect(decodeClip(fifo, 0, { timeoutMs: 800 }, { media: fakeInfo })).rejects.toThrow(/timed out after 0.8s/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('decodeClip', () => {
  it('seeks with -ss before -i and asks for small rgb24 frames and f32le audio from one process', () => {
    const o = resolveDecodeOptions();
    const args = ffmpegClipArgs('a:b.mp4', 1.5, o, { duration: 5, formatName: '', video: { codec: '', width: 320, height: 240, fps: 30 }, audioStreams: 1 }, true);
    expect(args.indexOf('-ss')).toBeLessThan(args.indexOf('-i'));
    expect(args[args.indexOf('-i') + 1]).toBe('file:a:b.mp4'); // a colon in a name is not a protocol
    expect(args).toContain('pipe:1');
    expect(args).toContain('pipe:3');
    expect(args.join(' ')).toMatch(/crop=32:32.*-pix_fmt rgb24 -f rawvideo pipe:1.*-ar 16000 .*-f f32le pipe:3/);
  });

  it('returns [K,S,S,3] frames in [0,1], in time order, from the requested span', async () => {
    const clip = await decodeClip(ramp, 0.5, { clipSeconds: 1, frames: 4, size: 32 });
    expect(clip.frameShape).toEqual([4, 32, 32, 3]);
    expect(clip.frames.length).toBe(4 * 32 * 32 * 3);
    expect(Math.min(...clip.frames)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...clip.frames)).toBeLessThanOrEqual(1);
    // The ramp shows grey = 100 * t / 255; frame k is the source frame nearest 0.5 + k * 0.25 s
    // (first kept frame is 0.52 s: accurate seek drops the one at 0.48 s).
    const means = frameMeans(clip.frames, 4).map((m) => m * 255);
    [52, 76, 100, 124].forEach((v, k) => expect(Math.abs(means[k] - v)).toBeLessThan(6));
    expect(clip.padded).toBe(false);
    expect(clip.hasAudio).toBe(true);
  });

  it('returns the log-mel of the same span, whose peak is the 1 kHz tone', async () => {
    const clip = await decodeClip(ramp, 0.5, { clipSeconds: 1, frames: 4, size: 32 });
    const [F, M] = clip.specShape;
    expect([F, M]).toEqual([49, 40]); // 1 s at the default 20 ms hop, 40 mel bins
    expect(clip.spec.length).toBe(F * M);
    const avg = new Float64Array(M);
    for (let i = 0; i < clip.spec.length; i++) avg[i % M] += clip.spec[i];
    const peak = avg.indexOf(Math.max(...avg));
    const fb = melFilterbank(16000, 512, 40);
    expect(fb[peak].lo).toBeLessThan(1000);
    expect(fb[peak].hi).toBeGreaterThan(1000);
  });

  it.skipIf(process.platform === 'win32')('skips a video that needs more memory than the limit, naming it; an 8K frame decodes within the default', async () => {
    const big = await makeClip(path.join(dir, '8k.mp4'), { size: '7680x4320', rate: 2, seconds: 2, audio: 1000 });
    const clip = await decodeClip(big, 0, resolveDecodeOptions());
    expect(clip.frameShape).toEqual([4, 32, 32, 3]);
    const err = await decodeClip(big, 0, resolveDecodeOptions({ memoryMb: 150 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaDecodeError);
    expect((err as Error).message).toMatch(/8k\.mp4: ffmpeg ran out of its 150 MB memory limit/);
  });

  it('fits a clip shorter than the span by default: frames spread over what it has, its audio repeated', async () => {
    const short = await makeClip(path.join(dir, 'short fit.mp4'), { video: 'ramp', seconds: 0.5 });
    const clip = await decodeClip(short, 0, { clipSeconds: 1, frames: 8, size: 16 });
    expect(clip.padded).toBe(false);
    const per = 16 * 16 * 3;
    // The ramp brightens with time: 8 frames from 8 different times, each brighter than the last.
    const means = Array.from({ length: 8 }, (_, k) => clip.frames.subarray(k * per, (k + 1) * per).reduce((a, b) => a + b, 0) / per);
    for (let k = 1; k < 8; k++) expect(means[k]).toBeGreaterThan(means[k - 1]);
    // The tone plays to the end of the span (repeated), where padding would leave log(1e-6).
    const M = clip.specShape[1];
    const tail = clip.spec.subarray((clip.specShape[0] - 5) * M);
    expect(Math.max(...tail)).toBeGreaterThan(Math.log(1e-6) + 5);
  });

  it('repeatToFill repeats the first values to the end', () => {
    const x = Float32Array.from([1, 2, 3, 0, 0, 0, 0, 0]);
    repeatToFill(x, 3);
    expect(Array.from(x)).toEqual([1, 2, 3, 1, 2, 3, 1, 2]);
    const none = new Float32Array(4);
    repeatToFill(none, 0);
    expect(Array.from(none)).toEqual([0, 0, 0, 0]);
  });

  it('pads a clip shorter than the span with short=pad (last frame repeated, audio zero) or skips it with short=skip', async () => {
    const short = await makeClip(path.join(dir, 'short clip é.mp4'), { video: 'ramp', seconds: 0.5 });
    const clip = await decodeClip(short, 0, { clipSeconds: 1, frames: 8, size: 16, short: 'pad' });
    expect(clip.padded).toBe(true);
    const per = 16 * 16 * 3;
    const last = clip.frames.subarray(7 * per);
    expect(Array.from(clip.frames.subarray(6 * per, 7 * per))).toEqual(Array.from(last));
    const M = clip.specShape[1];
    // the second half of the span has no audio: its spectrogram rows are log(1e-6)
    const tail = clip.spec.subarray((clip.specShape[0] - 5) * M);
    expect(Math.max(...tail)).toBeCloseTo(Math.log(1e-6), 4);
    await expect(decodeClip(short, 0, { clipSeconds: 1, short: 'skip' })).rejects.toThrow(/shorter than the clip span/);
  });

  it('decodes a video without audio as silence, or refuses it with missingAudio=skip', async () => {
    const silent = await makeClip(path.join(dir, 'no audio.mkv'), { audio: false });
    await expect(decodeClip(silent, 0, { clipSeconds: 1 })).rejects.toThrow(/no audio track/);
    const clip = await decodeClip(silent, 0, { clipSeconds: 1, size: 16, missingAudio: 'silence' });
    expect(clip.hasAudio).toBe(false);
    expect(Math.max(...clip.spec)).toBeCloseTo(Math.log(1e-6), 4);
  });

  it('reads other containers (avi: mpeg4 + pcm) and reports an audio-only file', async () => {
    const avi = await makeClip(path.join(dir, 'clip.avi'), { seconds: 1 });
    const clip = await decodeClip(avi, 0, { clipSeconds: 1, size: 16, frames: 2 });
    expect(clip.frameShape).toEqual([2, 16, 16, 3]);
    const audioOnly = await makeClip(path.join(dir, 'audio-only.mp4'), { video: false });
    const err = await decodeClip(audioOnly, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaDecodeError);
    expect((err as MediaDecodeError).reason).toMatch(/no video stream/);
  });
});

describe('runProcess', () => {
  it('rejects when the binary cannot start, and reports a timeout otherwise', async () => {
    await expect(runProcess('/nonexistent/ffmpeg', [], { timeoutMs: 1000, fds: { 1: { maxBytes: 10 } } })).rejects.toThrow(/ENOENT/);
    const res = await runProcess(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 300, fds: { 1: { maxBytes: 10 } } });
    expect(res.timedOut).toBe(true);
    expect(res.signal).toBe('SIGKILL');
  });
});
