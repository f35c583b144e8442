/**
 * The timing of a file's first video stream as PyAV reports it (`container.streams.video[0]`):
 * average frame rate, frame count, duration in stream ticks, time base, first pts. The official
 * SeLaVi decoder (datasets/decoder.py `pyav_decode`) places its clip with these numbers, in pts,
 * so the official-clip decoder needs them exactly; `probeMedia` keeps only seconds and fps.
 */
import { DEFAULT_DECODE } from './decode-options.js';
import { MediaDecodeError } from '../errors.js';
import { DEFAULT_PROBE_TIMEOUT_MS, parseRate } from './probe.js';
import { locate } from './ffmpeg-path.js';
import { toFfmpegUrl } from './ffmpeg-url.js';
import { runProcess, stderrReason } from './run-process.js';

/** Timing of stream v:0, in the stream's own units. */
export interface VideoTiming {
  /** `average_rate` as a float, frames per second (0 when unknown). */
  fps: number;
  /** `stream.frames` (container's nb_frames); 0 when the container does not say (mkv, webm). */
  frames: number;
  /** `stream.duration` in ticks of `timeBase`; NaN when the container does not say. */
  durationTicks: number;
  /** Seconds per tick, e.g. 1/15360. */
  timeBase: number;
  /** pts of the first frame in ticks (0 for most mp4; MPEG-TS starts near 1.4 s). */
  startPts: number;
  /** Coded frame size in pixels (before any rotation metadata, as PyAV decodes it). */
  width: number;
  height: number;
  /** Decoded pixel format, e.g. `yuv420p`, `yuvj420p`. */
  pixFmt: string;
}

interface RawTiming {
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration_ts?: number | string;
  time_base?: string;
  start_pts?: number | string;
  width?: number;
  height?: number;
  pix_fmt?: string;
}

/** Parses ffprobe's JSON for `-select_streams v:0` (pure; exported for tests). Undefined when there is no video stream. */
export function parseVideoTiming(json: string): VideoTiming | undefined {
  const raw = JSON.parse(json) as { streams?: RawTiming[] };
  const s = raw.streams?.[0];
  if (!s) return undefined;
  const num = (v: string | number | undefined) => (v === undefined || v === '' || v === 'N/A' ? Number.NaN : Number(v));
  const frames = num(s.nb_frames);
  return {
    fps: parseRate(s.avg_frame_rate) || parseRate(s.r_frame_rate),
    frames: Number.isInteger(frames) && frames > 0 ? frames : 0,
    durationTicks: num(s.duration_ts),
    timeBase: parseRate(s.time_base),
    startPts: Number.isFinite(num(s.start_pts)) ? num(s.start_pts) : 0,
    width: s.width ?? 0,
    height: s.height ?? 0,
    pixFmt: s.pix_fmt ?? '',
  };
}

/** Options for {@link probeVideoTiming}. */
export interface VideoTimingOptions {
  /** Kill ffprobe after this many ms (default 20 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** ffprobe binary (default `locate('ffprobe')`). */
  ffprobe?: string;
}

/**
 * Probes the timing of `file`'s first video stream.
 * @example const { fps, frames, durationTicks } = await probeVideoTiming('clip.mp4'); // 30, 75, 38400
 * @throws MediaDecodeError (one-line reason) when ffprobe fails or there is no video stream.
 */
export async function probeVideoTiming(file: string, opts: VideoTimingOptions = {}): Promise<VideoTiming> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const entries = 'stream=avg_frame_rate,r_frame_rate,nb_frames,duration_ts,time_base,start_pts,width,height,pix_fmt';
  const url = toFfmpegUrl(file);
  const res = await runProcess(opts.ffprobe ?? locate('ffprobe').path, ['-v', 'error', '-select_streams', 'v:0', '-print_format', 'json', '-show_entries', entries, url], {
    memoryLimitMb: DEFAULT_DECODE.memoryMb,
    timeoutMs,
    signal: opts.signal,
    fds: { 1: { maxBytes: 1 << 16 } },
  });
  if (res.timedOut) throw new MediaDecodeError(file, `ffprobe timed out after ${timeoutMs / 1000}s`, res.stderrTail);
  if (res.aborted) throw new MediaDecodeError(file, 'probe aborted', res.stderrTail);
  if (res.code !== 0) throw new MediaDecodeError(file, `ffprobe: ${stderrReason(res.stderrTail, url) || `exit code ${res.code}`}`, res.stderrTail);
  let timing: VideoTiming | undefined;
  try {
    const out = res.outputs[1];
    timing = parseVideoTiming(Buffer.from(out.data.buffer, 0, out.length).toString('utf8'));
  } catch {
    throw new MediaDecodeError(file, 'ffprobe: unreadable output', res.stderrTail);
  }
  if (!timing) throw new MediaDecodeError(file, 'no video stream');
  return timing;
}
