/**
 * Encodes raw rgb24 frames and float PCM audio into one small MP4 (H.264 + AAC) with a single
 * ffmpeg process: frames go in on stdin, audio on a second pipe (fd 3), so nothing touches disk
 * but the result.
 */
import { rename, rm } from 'node:fs/promises';
import { locate } from '../../src/media/ffmpeg-path.js';
import { runTool, ToolError } from '../../src/media/run-process.js';

export interface EncodeOptions {
  width: number;
  height: number;
  fps: number;
  sampleRate: number;
  /** x264 constant rate factor; higher is smaller. Default 30. */
  crf?: number;
  /** AAC bitrate, e.g. '24k'. */
  audioBitrate?: string;
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
    // One thread each: the builder already runs two encoders side by side.
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(o.crf ?? 30), '-pix_fmt', 'yuv420p', '-threads', '1',
    '-c:a', 'aac', '-b:a', o.audioBitrate ?? '24k',
    '-movflags', '+faststart', '-f', 'mp4', part,
  ];
  try {
    await runTool(ffmpeg, args, { inputs: { 0: frames, 3: new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength) } });
  } catch (e) {
    await rm(part, { force: true });
    throw e instanceof ToolError ? new ToolError(`could not encode ${out}: ${e.message}`, e.code, e.stderr) : e;
  }
  await rename(part, out);
}
