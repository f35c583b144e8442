/**
 * Encodes raw rgb24 frames and float PCM audio into one small clip with a single ffmpeg process:
 * frames go in on stdin, audio on a second pipe (fd 3), so nothing touches disk but the result.
 * MP4 (H.264 + AAC) by default; the mixed data-set variations also write WebM (VP8 + Opus),
 * Matroska (MPEG-4 part 2 + FLAC) and QuickTime (H.264 + 16-bit PCM), the forms real collections mix.
 */
import { rename, rm } from 'node:fs/promises';
import { locate } from '../../src/media/ffmpeg-path.js';
import { runTool, ToolError } from '../../src/media/run-process.js';
import type { Container } from './av-clip.js';

export interface EncodeOptions {
  width: number;
  height: number;
  fps: number;
  sampleRate: number;
  /** x264 constant rate factor; higher is smaller. Default 30. */
  crf?: number;
  /** AAC bitrate, e.g. '24k'. */
  audioBitrate?: string;
  /** Default 'mp4'. */
  container?: Container;
}

/** Codec and muxer arguments per container (one thread each: the builder runs encoders side by side). */
function codecArgs(o: EncodeOptions): string[] {
  const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(o.crf ?? 30), '-pix_fmt', 'yuv420p', '-threads', '1'];
  switch (o.container ?? 'mp4') {
    case 'webm':
      return ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-pix_fmt', 'yuv420p', '-threads', '1',
        '-c:a', 'libopus', '-b:a', o.audioBitrate ?? '24k', '-f', 'webm'];
    case 'mkv':
      return ['-c:v', 'mpeg4', '-q:v', '6', '-pix_fmt', 'yuv420p', '-threads', '1', '-c:a', 'flac', '-f', 'matroska'];
    case 'mov':
      return [...x264, '-c:a', 'pcm_s16le', '-f', 'mov'];
    default:
      return [...x264, '-c:a', 'aac', '-b:a', o.audioBitrate ?? '24k', '-movflags', '+faststart', '-f', 'mp4'];
  }
}

/** Writes `out` (via `out.part`, renamed when complete). */
export async function encodeClip(out: string, frames: Uint8Array, audio: Float32Array, o: EncodeOptions): Promise<void> {
  const ffmpeg = locate('ffmpeg').path;
  const part = `${out}.part`;
  const args = [
    '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${o.width}x${o.height}`, '-framerate', String(o.fps), '-i', 'pipe:0',
    '-f', 'f32le', '-ar', String(o.sampleRate), '-ac', '1', '-i', 'pipe:3',
    '-map', '0:v', '-map', '1:a',
    ...codecArgs(o), part,
  ];
  try {
    await runTool(ffmpeg, args, { inputs: { 0: frames, 3: new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength) } });
  } catch (e) {
    await rm(part, { force: true });
    throw e instanceof ToolError ? new ToolError(`could not encode ${out}: ${e.message}`, e.code, e.stderr) : e;
  }
  await rename(part, out);
}
