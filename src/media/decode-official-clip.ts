/**
 * Decodes a video's official test-time clip for the released SeLaVi models (see official-clip.ts
 * for the rules): 30 frames [30, 112, 112, 3] and the spectrogram [257, 99].
 *
 * One ffmpeg process writes two raw outputs: the frames of the pts window as rgb24 on stdout and
 * the whole audio track as s16le mono 24 kHz on fd 3 (the official code reads the whole track too:
 * the resampler then starts where it did, and the "last second" rule needs the track's length).
 * Options chosen to match PyAV's `frame.to_rgb()`, measured on the fixture clip:
 * - `-noautorotate`: PyAV ignores rotation metadata; the ffmpeg CLI would rotate phone videos.
 * - `-copyts` and `select` on pts: PyAV compares raw pts with the window; so do we, counted from
 *   the stream's first pts (the official code counts from 0, which misplaces MPEG-TS clips).
 * - `scale=in_color_matrix=bt601:out_color_matrix=bt601[:in_range=tv]:flags=bilinear`: PyAV
 *   converts with swscale's defaults (BT.601 matrix, range from the pixel format, SWS_BILINEAR);
 *   the ffmpeg CLI would take the matrix and range from the stream's tags instead (a BT.709-tagged
 *   clip then differs by up to 41/255). On untagged streams every flag choice gives the same bytes.
 */
import { DEFAULT_DECODE } from './decode-options.js';
import { MediaDecodeError, assert } from '../errors.js';
import { locate } from './ffmpeg-path.js';
import { toFfmpegUrl } from './ffmpeg-url.js';
import {
  OFFICIAL_CLIP,
  OFFICIAL_FRAME_SHAPE,
  OFFICIAL_SPEC_SHAPE,
  officialAudioWindow,
  officialFrameIndices,
  officialFrameTensor,
  officialFrameWindow,
  officialSpectrogram,
  type OfficialFrameWindow,
} from './official-clip.js';
import { probeMedia, type MediaInfo } from './probe.js';
import { runProcess, stderrReason } from './run-process.js';
import { probeVideoTiming, type VideoTiming } from './video-timing.js';

/** Options of {@link decodeOfficialClip}. */
export interface OfficialClipOptions {
  /** Apply the z-normalisation (x - 1.93)/17.89 to the spectrogram, as the released models expect (default true). */
  zNormalize?: boolean;
  /** Kill ffmpeg after this many ms (default 60 s). */
  timeoutMs?: number;
  /** ffmpeg decoder threads (default 1: callers run one process per core). */
  threads?: number;
  /** Aborting kills the ffmpeg process. */
  signal?: AbortSignal;
  /** `probeMedia(file)` when known (probed here otherwise). */
  media?: MediaInfo;
  /** `probeVideoTiming(file)` when known (probed here otherwise). */
  timing?: VideoTiming;
  /** ffmpeg binary (default `locate('ffmpeg')`). */
  ffmpeg?: string;
}

/** One decoded official clip. */
export interface OfficialClip {
  path: string;
  /** Float32 [30, 112, 112, 3], channels-last, normalised with mean 0.45 and std 0.225. */
  frames: Float32Array;
  frameShape: [number, number, number, 3];
  /** Float32 [257, 99]: log filterbank, z-normalised unless `zNormalize: false`. */
  spec: Float32Array;
  specShape: [number, number];
  /** Where the clip was taken (start_idx, pts window). */
  window: OfficialFrameWindow;
  /** Frames ffmpeg delivered from the pts window; fewer than the clip needs means the last is repeated. */
  framesInWindow: number;
  /** Audio samples [from, to) of the 24 kHz track. */
  audio: { from: number; to: number; total: number };
}

/** ffmpeg's `-vf` for the clip's frames: the pts window, then PyAV's rgb conversion (exported for tests). */
export function officialVideoFilter(window: OfficialFrameWindow, timing: Pick<VideoTiming, 'startPts' | 'pixFmt'>): string {
  const s = timing.startPts + window.startPts;
  const e = timing.startPts + window.endPts;
  // Every frame from the first at or after s, up to and including the first after e (PyAV's loop).
  const select = `select='gte(pts\\,${s})*(isnan(prev_selected_pts)+lte(prev_selected_pts\\,${e}))'`;
  // swscale's own default range: limited for yuv*, full for yuvj* (which ffmpeg tags full anyway).
  const range = timing.pixFmt.startsWith('yuv') && !timing.pixFmt.startsWith('yuvj') ? ':in_range=tv' : '';
  return `${select},scale=in_color_matrix=bt601:out_color_matrix=bt601${range}:flags=bilinear,format=rgb24`;
}

/** The full ffmpeg argument list (exported for tests): frames on pipe:1, audio on pipe:3. */
export function officialClipArgs(file: string, window: OfficialFrameWindow, timing: VideoTiming, threads = 1): string[] {
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-threads', String(threads), '-filter_threads', String(threads)];
  args.push('-noautorotate', '-copyts', '-i', toFfmpegUrl(file));
  args.push('-map', '0:v:0', '-vf', officialVideoFilter(window, timing), '-vsync', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  // No -map: ffmpeg's default audio stream, as the official `ffmpeg -i FILE -f s16le ...` picks it.
  args.push('-vn', '-sn', '-dn', '-acodec', 'pcm_s16le', '-ac', '1', '-ar', String(OFFICIAL_CLIP.audioRate), '-f', 's16le', 'pipe:3');
  return args;
}

/**
 * Decodes the official test-time clip of `file` (the middle second; see official-clip.ts).
 * @example
 * const { frames, spec } = await decodeOfficialClip('video.mp4'); // [30,112,112,3], [257,99]
 * @throws MediaDecodeError naming the file when it cannot be used: unreadable, no video stream,
 *   no audio stream or audio shorter than 1 s (the official code drops such videos too),
 *   unknown frame rate, no frame in the window, ffmpeg failure or timeout.
 */
export async function decodeOfficialClip(file: string, opts: OfficialClipOptions = {}): Promise<OfficialClip> {
  const { zNormalize = true, timeoutMs = 60_000, threads = 1, signal } = opts;
  const media = opts.media ?? (await probeMedia(file, { signal }));
  if (!media.video) throw new MediaDecodeError(file, media.audioStreams ? 'no video stream (audio-only file)' : 'no video stream');
  if (!media.audioStreams) throw new MediaDecodeError(file, 'no audio stream (the released models need 1 s of audio; the official code drops such videos)');
  const timing = opts.timing ?? (await probeVideoTiming(file, { signal }));
  let window: OfficialFrameWindow;
  try {
    window = officialFrameWindow(timing);
  } catch (err) {
    throw new MediaDecodeError(file, (err as Error).message.replace(/^officialFrameWindow: /, ''));
  }

  const { width, height } = timing;
  const frameBytes = width * height * 3;
  // Only the first ceil(clipSize) window frames can be picked; later ones are counted, not kept.
  const keepFrames = Math.ceil(window.clipSize) + 1;
  const audioEnd = Math.round((window.startIdx / timing.fps) * OFFICIAL_CLIP.audioRate) + OFFICIAL_CLIP.audioRate * OFFICIAL_CLIP.audioSeconds + 1;
  const url = toFfmpegUrl(file);
  const res = await runProcess(opts.ffmpeg ?? locate('ffmpeg').path, officialClipArgs(file, window, timing, threads), {
    memoryLimitMb: DEFAULT_DECODE.memoryMb,
    timeoutMs,
    signal,
    // The audio window ends before sample audioEnd, or is the track's last second: either way inside the kept bytes.
    fds: { 1: { maxBytes: keepFrames * frameBytes }, 3: { maxBytes: 2 * audioEnd } },
  });
  if (res.timedOut) throw new MediaDecodeError(file, `ffmpeg timed out after ${timeoutMs / 1000}s (killed)`, res.stderrTail);
  if (res.aborted) throw new MediaDecodeError(file, 'decode aborted', res.stderrTail);
  if (res.memoryExhausted) throw new MediaDecodeError(file, `ffmpeg ran out of its ${DEFAULT_DECODE.memoryMb} MB memory limit (a damaged or huge video)`, res.stderrTail);
  if (res.code !== 0) throw new MediaDecodeError(file, `ffmpeg: ${stderrReason(res.stderrTail, url) || `exit code ${res.code}`}`, res.stderrTail);

  // ===== frames =====
  const video = res.outputs[1];
  const videoBytes = video.length + video.overflow;
  if (frameBytes === 0 || videoBytes % frameBytes !== 0) {
    throw new MediaDecodeError(file, `ffmpeg wrote ${videoBytes} bytes of video, not whole ${width}x${height} frames (size changes mid-stream?)`, res.stderrTail);
  }
  const framesInWindow = videoBytes / frameBytes;
  if (framesInWindow === 0) {
    throw new MediaDecodeError(file, `no video frame at or after frame ${window.startIdx} (pts ${window.startPts})`, res.stderrTail);
  }
  const [T, S] = OFFICIAL_FRAME_SHAPE;
  const frames = new Float32Array(T * S * S * 3); // [T, S, S, 3]
  const picks = officialFrameIndices(framesInWindow, timing.fps);
  for (let t = 0; t < T; t++) {
    const k = picks[t];
    assert(k < keepFrames, `frame pick ${k} past the ${keepFrames} kept`);
    frames.set(officialFrameTensor(video.data.subarray(k * frameBytes, (k + 1) * frameBytes), width, height), t * S * S * 3);
  }

  // ===== audio =====
  const audio = res.outputs[3];
  const total = Math.floor((audio.length + audio.overflow) / 2);
  const need = OFFICIAL_CLIP.audioRate * OFFICIAL_CLIP.audioSeconds;
  if (total < need) {
    throw new MediaDecodeError(file, `audio track of ${(total / OFFICIAL_CLIP.audioRate).toFixed(2)}s, shorter than the ${OFFICIAL_CLIP.audioSeconds}s the released models need`);
  }
  const { from, to } = officialAudioWindow(window.startIdx, timing.fps, total);
  const samples = new Int16Array(audio.data.buffer, audio.data.byteOffset + 2 * from, to - from); // s16le on a little-endian host
  const spec = officialSpectrogram(samples, { zNormalize });

  return {
    path: file,
    frames,
    frameShape: [...OFFICIAL_FRAME_SHAPE],
    spec,
    specShape: [...OFFICIAL_SPEC_SHAPE],
    window,
    framesInWindow,
    audio: { from, to, total },
  };
}
