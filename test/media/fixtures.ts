/**
 * Tiny media fixtures made on the fly with the located ffmpeg (lavfi sources, 64x48, 1-2 s), so
 * the tests need no checked-in binaries. Also the broken-file kinds the pipeline must survive.
 */
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { locate } from '../../src/media/ffmpeg-path.js';

const run = promisify(execFile);

/** A fresh temp directory. */
export async function tempDir(prefix = 'selavi-media-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** What picture a fixture shows. */
export type VideoKind =
  /** ffmpeg's test pattern. */
  | 'testsrc'
  /** Grey level rising with time: value = min(255, 100 * t): frame order and seek are measurable. */
  | 'ramp'
  /** No video stream. */
  | false;

export interface ClipSpec {
  seconds?: number;
  size?: string;
  rate?: number;
  video?: VideoKind;
  /** Sine frequency in Hz, or false for no audio stream. */
  audio?: number | false;
}

/** Makes a clip at `file`; the container follows the extension (.mp4 h264+aac, .mkv, .avi mpeg4+pcm). */
export async function makeClip(file: string, spec: ClipSpec = {}): Promise<string> {
  const { seconds = 1, size = '64x48', rate = 25, video = 'testsrc', audio = 1000 } = spec;
  const ff = locate('ffmpeg').path;
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'];
  if (video === 'testsrc') args.push('-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${rate}:duration=${seconds}`);
  if (video === 'ramp') {
    args.push('-f', 'lavfi', '-i', `color=c=black:s=${size}:r=${rate}:d=${seconds},format=rgb24,geq=r='min(T*100\\,255)':g='min(T*100\\,255)':b='min(T*100\\,255)'`);
  }
  if (audio !== false) args.push('-f', 'lavfi', '-i', `sine=frequency=${audio}:sample_rate=44100:duration=${seconds}`);
  const ext = path.extname(file).toLowerCase();
  if (video) args.push(...(ext === '.avi' ? ['-c:v', 'mpeg4', '-q:v', '3'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']));
  if (audio !== false) args.push(...(ext === '.avi' ? ['-c:a', 'pcm_s16le'] : ['-c:a', 'aac']));
  args.push(file);
  await run(ff, args);
  return file;
}

/** Copies `good` keeping only the first `fraction` of its bytes (mp4: the moov atom at the end is lost). */
export async function truncateCopy(good: string, file: string, fraction = 0.5): Promise<string> {
  const buf = await fsp.readFile(good);
  await fsp.writeFile(file, buf.subarray(0, Math.floor(buf.length * fraction)));
  return file;
}

/** Copies `good` and overwrites bytes [1/3, 2/3) with deterministic junk: a corrupt middle. */
export async function corruptMiddleCopy(good: string, file: string): Promise<string> {
  const buf = Buffer.from(await fsp.readFile(good));
  let x = 12345;
  for (let i = Math.floor(buf.length / 3); i < Math.floor((2 * buf.length) / 3); i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  await fsp.writeFile(file, buf);
  return file;
}

/** True when running as root (chmod 000 does not stop root from reading). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
