/**
 * One ffprobe call per file: duration, frame rate, size and audio streams, as a small JSON-able
 * record the manifest can store. Failures become `MediaDecodeError` with a one-line reason.
 */
import { DEFAULT_DECODE } from './decode-options.js';
import { promises as fsp, constants as fsc } from 'node:fs';
import { MediaDecodeError } from '../errors.js';
import { locate } from './ffmpeg-path.js';
import { runProcess, stderrReason } from './run-process.js';
import { toFfmpegUrl } from './ffmpeg-url.js';

/** What the rest of the pipeline needs to know about a media file. */
export interface MediaInfo {
  /** Container duration in seconds (NaN when neither container nor streams say). */
  duration: number;
  /** ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string;
  /** First real video stream (cover art / attached pictures do not count). */
  video?: { codec: string; width: number; height: number; fps: number };
  /** First audio stream. */
  audio?: { codec: string; sampleRate: number; channels: number };
  /** Number of audio streams. */
  audioStreams: number;
}

/** Options for {@link probeMedia}. */
export interface ProbeOptions {
  /** Kill ffprobe after this many ms (default 20 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** ffprobe binary (default: `locate('ffprobe')`). */
  ffprobe?: string;
}

/** Default per-file probe timeout. */
export const DEFAULT_PROBE_TIMEOUT_MS = 20_000;

const ENTRIES =
  'format=duration,format_name:stream=index,codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate,duration,sample_rate,channels:stream_disposition=attached_pic';

/** Parses `30000/1001` or `25` into a number; 0 when absent or `0/0`. */
export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [n, d] = rate.split('/').map(Number);
  const v = d === undefined ? n : d ? n / d : 0;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  sample_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
}

/** Turns ffprobe's JSON into a {@link MediaInfo} (pure; exported for tests). */
export function parseProbeJson(json: string): MediaInfo {
  const raw = JSON.parse(json) as { format?: { duration?: string; format_name?: string }; streams?: RawStream[] };
  const streams = raw.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0);
  const audios = streams.filter((s) => s.codec_type === 'audio');
  const a = audios[0];
  let duration = Number(raw.format?.duration);
  if (!Number.isFinite(duration)) {
    // Some containers (raw streams, some webm) only have per-stream durations.
    const ds = streams.map((s) => Number(s.duration)).filter(Number.isFinite);
    duration = ds.length ? Math.max(...ds) : Number.NaN;
  }
  return {
    duration,
    formatName: raw.format?.format_name ?? '',
    video: v
      ? { codec: v.codec_name ?? '', width: v.width ?? 0, height: v.height ?? 0, fps: parseRate(v.avg_frame_rate) || parseRate(v.r_frame_rate) }
      : undefined,
    audio: a ? { codec: a.codec_name ?? '', sampleRate: Number(a.sample_rate) || 0, channels: a.channels ?? 0 } : undefined,
    audioStreams: audios.length,
  };
}

/**
 * Probes one file. Checks readability and emptiness first (cheaper and clearer than ffprobe's
 * messages), then runs ffprobe with a timeout.
 * @throws MediaDecodeError with a one-line reason (unreadable, empty, timeout, ffprobe's error).
 */
export async function probeMedia(file: string, opts: ProbeOptions = {}): Promise<MediaInfo> {
  let size: number;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) throw new MediaDecodeError(file, 'not a regular file');
    size = st.size;
    await fsp.access(file, fsc.R_OK);
  } catch (err) {
    if (err instanceof MediaDecodeError) throw err;
    throw new MediaDecodeError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size === 0) throw new MediaDecodeError(file, 'empty file (0 bytes)');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const bin = opts.ffprobe ?? locate('ffprobe').path;
  const res = await runProcess(bin, ['-v', 'error', '-print_format', 'json', '-show_entries', ENTRIES, toFfmpegUrl(file)], {
    memoryLimitMb: DEFAULT_DECODE.memoryMb,
    timeoutMs,
    signal: opts.signal,
    fds: { 1: { maxBytes: 1 << 20 } },
  });
  if (res.timedOut) throw new MediaDecodeError(file, `ffprobe timed out after ${timeoutMs / 1000}s`, res.stderrTail);
  if (res.aborted) throw new MediaDecodeError(file, 'probe aborted', res.stderrTail);
  if (res.memoryExhausted) throw new MediaDecodeError(file, `ffprobe ran out of its ${DEFAULT_DECODE.memoryMb} MB memory limit (a damaged or hostile file)`, res.stderrTail);
  if (res.code !== 0) {
    const msg = stderrReason(res.stderrTail, toFfmpegUrl(file)) || `exit code ${res.code}`;
    throw new MediaDecodeError(file, `ffprobe: ${msg}`, res.stderrTail);
  }
  const out = res.outputs[1];
  try {
    return parseProbeJson(Buffer.from(out.data.buffer, 0, out.length).toString('utf8'));
  } catch {
    throw new MediaDecodeError(file, 'ffprobe: unreadable output', res.stderrTail);
  }
}
