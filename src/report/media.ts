/**
 * The report's media files, made with the project's ffmpeg: for a clip, a strip of 3 frames
 * spread over the clip the run used (one small JPEG) and the clip's first seconds of audio (MP3,
 * or WAV when this ffmpeg has no MP3 encoder; Chromium plays both); for an IDX image, a PNG.
 *
 * Files are named by a hash of what they show (path, modification time, span), so a second
 * report of the same run reuses them, and each is written under a temporary name and renamed,
 * so a killed report never leaves half a file to be reused.
 */
import { DEFAULT_DECODE } from '../media/decode-options.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { locate } from '../media/ffmpeg-path.js';
import { toFfmpegUrl } from '../media/ffmpeg-url.js';
import { runProcess, stderrReason, type RunResult } from '../media/run-process.js';
import { createProgress, type ProgressMode } from './progress.js';

/** One clip to show. */
export interface ClipMediaRequest {
  /** Absolute path of the video. */
  file: string;
  /** Span of the clip, seconds. */
  start: number;
  seconds: number;
  /** Extract audio too (the video has an audio stream). */
  audio: boolean;
}

/**
 * Why a clip has no preview, in words: what failed, and what the page shows instead. ffmpeg can
 * exit 0 having written nothing (no frame in the span: a video shorter than it, or frames that do
 * not decode there), so an exit code alone says nothing.
 */
function previewFailure(res: RunResult, req: ClipMediaRequest, timeoutMs: number): string {
  const span = `${req.start.toFixed(1)}-${(req.start + req.seconds).toFixed(1)} s`;
  if (res.timedOut) return `no preview: ffmpeg took longer than ${timeoutMs / 1000} s (killed); the card shows no picture`;
  if (res.memoryExhausted) return `no preview: ffmpeg ran out of its ${DEFAULT_DECODE.memoryMb} MB memory limit; the card shows no picture`;
  if (res.code === 0) return `no preview: no frame of ${span} could be decoded (the video is shorter, or damaged there); the card shows no picture`;
  const why = stderrReason(res.stderrTail, toFfmpegUrl(req.file));
  return `no preview: ffmpeg failed on ${span} (${why || `exit code ${res.code}`}); the card shows no picture`;
}

/** File names (inside the media folder) made for one request. */
export interface ClipMedia {
  strip?: string;
  audio?: string;
  /** Why something is missing (one line from ffmpeg). */
  error?: string;
}

/** Options of {@link makeClipMedia}, with their defaults. */
export interface MediaOptions {
  /** ffmpeg processes at once (default: the machine's cores). */
  concurrency?: number;
  /** Frame height in the strip, pixels (default 96; smaller videos keep theirs). */
  height?: number;
  /** Seconds of audio (default 2). */
  audioSeconds?: number;
  /** Kill one ffmpeg after this many ms (default 30 s). */
  timeoutMs?: number;
  progress?: ProgressMode;
  /** ffmpeg binary (default: `locate('ffmpeg')`). */
  ffmpeg?: string;
}

/** Bump when the media made for the same request changes, so old files are not reused. */
const MEDIA_VERSION = 1;

/** A stable name for what a request shows. */
export function mediaKey(req: ClipMediaRequest, extra = ''): string {
  let mtime = 0;
  try {
    mtime = statSync(req.file).mtimeMs;
  } catch {
    // missing file: ffmpeg will say so
  }
  return createHash('sha1').update(`${MEDIA_VERSION}|${req.file}|${mtime}|${req.start}|${req.seconds}|${req.audio}|${extra}`).digest('hex').slice(0, 16);
}

/** The audio format this ffmpeg can write: MP3 when it has libmp3lame, else 16-bit WAV. */
export async function audioFormat(ffmpeg: string): Promise<{ ext: string; args: string[] }> {
  const res = await runProcess(ffmpeg, ['-hide_banner', '-encoders'], { timeoutMs: 20_000, fds: { 1: { maxBytes: 1 << 20 } } });
  const text = Buffer.from(res.outputs[1]?.data.subarray(0, res.outputs[1].length) ?? []).toString('utf8');
  if (/\blibmp3lame\b/.test(text)) return { ext: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'mp3'] };
  return { ext: 'wav', args: ['-c:a', 'pcm_s16le', '-ar', '16000', '-f', 'wav'] };
}

/** Runs `work` over `items` with at most `n` running at once. */
async function pool<T>(items: readonly T[], n: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/** One clip's part of an ffmpeg command: its input (number `k`), then its strip and audio outputs. */
function clipArgs(req: ClipMediaRequest, k: number, tmp: { strip: string; sound: string }, o: { height: number; audioSeconds: number; audio: string[] }): { input: string[]; outputs: string[] } {
  const seconds = Math.max(0.1, req.seconds);
  const input = ['-ss', req.start.toFixed(3), '-t', seconds.toFixed(3), '-i', toFfmpegUrl(req.file)];
  // 3 frames evenly over the span (fps = 3 / span), each at most `height` high, side by side.
  const outputs = ['-map', `${k}:v:0`, '-filter:v', `fps=${(3 / seconds).toFixed(4)},scale=-2:'min(${o.height},ih)',tile=3x1`, '-frames:v', '1', '-q:v', '5', '-f', 'image2', tmp.strip];
  if (req.audio) outputs.push('-map', `${k}:a:0`, '-t', Math.min(o.audioSeconds, seconds).toFixed(3), '-ac', '1', ...o.audio, tmp.sound);
  return { input, outputs };
}

/**
 * Makes the strip and audio of every request in `dir` (created), reusing files made before.
 * Clips go 8 to an ffmpeg process (a third less CPU than one each: start-up and codec set-up
 * are shared); a batch that fails is redone clip by clip, so one bad file spoils only itself.
 * Never throws for a bad clip: its entry carries `error`.
 */
export async function makeClipMedia(requests: readonly ClipMediaRequest[], dir: string, opts: MediaOptions = {}): Promise<ClipMedia[]> {
  mkdirSync(dir, { recursive: true });
  const { height = 96, audioSeconds = 2, timeoutMs = 30_000 } = opts;
  const out: ClipMedia[] = requests.map(() => ({}));
  if (requests.length === 0) return out;
  const ffmpeg = opts.ffmpeg ?? locate('ffmpeg').path;
  const audio = await audioFormat(ffmpeg);
  const names = requests.map((req) => {
    const key = mediaKey(req, `${height}|${audioSeconds}`);
    return { strip: `${key}.jpg`, sound: `${key}.${audio.ext}`, tmpStrip: path.join(dir, `${key}.part.jpg`), tmpSound: path.join(dir, `${key}.part.${audio.ext}`) };
  });
  const progress = createProgress({ total: requests.length, label: 'report media', mode: opts.progress });
  const todo: number[] = [];
  requests.forEach((req, i) => {
    const n = names[i];
    if (existsSync(path.join(dir, n.strip)) && (!req.audio || existsSync(path.join(dir, n.sound)))) {
      out[i] = { strip: n.strip, ...(req.audio && { audio: n.sound }) };
      progress.tick();
    } else todo.push(i);
  });
  /** Runs one ffmpeg over `batch`; on success moves its files in place. */
  const run = async (batch: readonly number[]) => {
    const parts = batch.map((i, k) => clipArgs(requests[i], k, { strip: names[i].tmpStrip, sound: names[i].tmpSound }, { height, audioSeconds, audio: audio.args }));
    const args = ['-nostdin', '-v', 'error', '-y', ...parts.flatMap((p) => p.input), ...parts.flatMap((p) => p.outputs)];
    const res = await runProcess(ffmpeg, args, { timeoutMs: timeoutMs * batch.length, memoryLimitMb: DEFAULT_DECODE.memoryMb, fds: {} });
    const ok = res.code === 0 && batch.every((i) => existsSync(names[i].tmpStrip));
    for (const i of batch) {
      const n = names[i];
      if (ok) {
        renameSync(n.tmpStrip, path.join(dir, n.strip));
        out[i] = { strip: n.strip };
        if (requests[i].audio && existsSync(n.tmpSound)) {
          renameSync(n.tmpSound, path.join(dir, n.sound));
          out[i].audio = n.sound;
        }
      } else {
        rmSync(n.tmpStrip, { force: true });
        rmSync(n.tmpSound, { force: true });
        out[i] = { error: previewFailure(res, requests[i], timeoutMs) };
      }
    }
    return ok;
  };
  const batches: number[][] = [];
  for (let b = 0; b < todo.length; b += CLIPS_PER_PROCESS) batches.push(todo.slice(b, b + CLIPS_PER_PROCESS));
  try {
    await pool(batches, opts.concurrency ?? os.availableParallelism(), async (batch) => {
      if (!(await run(batch)) && batch.length > 1) for (const i of batch) await run([i]);
      progress.tick(batch.length);
    });
  } finally {
    progress.done();
  }
  return out;
}

/** Clips per ffmpeg process. */
const CLIPS_PER_PROCESS = 8;

// pngjs ships no type declarations; this is the one call used.
interface PngOut {
  data: Buffer;
}
const { PNG } = createRequire(import.meta.url)('pngjs') as {
  PNG: { new (o: { width: number; height: number }): PngOut; sync: { write(p: PngOut): Buffer } };
};

/** Writes image `i` of `pixels` ([n, h, w, c], c = 1 or 3) as `idx-<i>.png` in `dir`; returns the file name. */
export function writeImagePng(pixels: Uint8Array, h: number, w: number, c: number, i: number, dir: string): string {
  const name = `idx-${i}.png`;
  const png = new PNG({ width: w, height: h });
  const base = i * h * w * c;
  for (let p = 0; p < h * w; p++) {
    const [r, g, b] = c === 1 ? [pixels[base + p], pixels[base + p], pixels[base + p]] : [pixels[base + p * 3], pixels[base + p * 3 + 1], pixels[base + p * 3 + 2]];
    png.data[p * 4] = r;
    png.data[p * 4 + 1] = g;
    png.data[p * 4 + 2] = b;
    png.data[p * 4 + 3] = 255;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, name), PNG.sync.write(png));
  return name;
}
