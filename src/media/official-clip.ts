/**
 * The official test-time clip of the released SeLaVi models, as pure functions: which frames and
 * which samples facebookresearch/selavi takes from a video, and how it turns them into the network's
 * inputs. Decoding (ffmpeg) is in decode-official-clip.ts; this file does no I/O.
 *
 * The official path (datasets/AVideoDataset.py → decoder.py → video_transforms.py, audio_utils.py):
 * - clip = 30 frames at a target 30 fps, so 1 s = `fps` source frames (`clipSize`);
 * - the middle clip: start_idx = int(max(frames - clipSize, 0) · 500 / 1000) (clip_idx 500 of 1000);
 * - PyAV keeps the frames whose pts lie in [int(start_idx·tpf), int(end_idx·tpf)] plus the first
 *   one after (tpf = stream duration / frame count, ticks per frame), then 30 of them are picked by
 *   torch.linspace(0, clipSize - 1, 30), clamped to what was decoded;
 * - frames: (x/255 - 0.45)/0.225, short side bilinearly resized to 112, centre crop 112x112;
 * - audio: the whole track as int16 mono 24 kHz, 1 s from round(start_idx / fps · 24000) (or the
 *   last second when that runs past the end), logfbank(0.02, 0.01, 257 filters, nfft 1024),
 *   transposed to [257, 99], optionally (x - 1.93)/17.89.
 * Checked against the official output on a real clip: test/media/official-clip.test.ts.
 */
import { logfbank, logfbankFrameCount, roundHalfUp, transpose } from './logfbank.js';
import { resizeBilinear } from './torch-bilinear.js';
import type { VideoTiming } from './video-timing.js';

/** The official test-time settings (the released models' evaluation configuration). */
export const OFFICIAL_CLIP = {
  numFrames: 30, // frames per clip (--num_frames)
  samplingRate: 1, // every source frame, no skipping (--sample_rate)
  targetFps: 30, // the clip lasts numFrames / targetFps = 1 s of the source
  clipIdx: 500, // the middle clip: decode(clip_idx=500, num_clips=1000) when temporal jitter is off
  numClips: 1000,
  size: 112, // short side after resizing, and the centre crop (--test_crop_size)
  mean: 0.45, // pixel normalisation, the same on R, G, B (video_transforms.MEAN)
  std: 0.225, // (video_transforms.STD)
  audioRate: 24000, // Hz, mono int16 (--aud_sample_rate)
  audioSeconds: 1, // (--num_sec_aud)
  winlen: 0.02, // logfbank window, s
  winstep: 0.01, // logfbank step, s
  nfilt: 257, // mel filters (--aud_spec_type 2)
  nfft: 1024,
  specMean: 1.93, // z-normalisation of the log filterbank (--z_normalize)
  specStd: 17.89,
} as const;

/** Frame and spectrogram shapes of one official clip: [T, H, W, 3] (channels-last) and [F, M] = [257, 99]. */
export const OFFICIAL_FRAME_SHAPE: [number, number, number, 3] = [OFFICIAL_CLIP.numFrames, OFFICIAL_CLIP.size, OFFICIAL_CLIP.size, 3];
export const OFFICIAL_SPEC_SHAPE: [number, number] = [
  OFFICIAL_CLIP.nfilt,
  logfbankFrameCount(
    OFFICIAL_CLIP.audioRate * OFFICIAL_CLIP.audioSeconds,
    roundHalfUp(OFFICIAL_CLIP.winlen * OFFICIAL_CLIP.audioRate),
    roundHalfUp(OFFICIAL_CLIP.winstep * OFFICIAL_CLIP.audioRate),
  ), // 99
];

/** Where the middle clip lies in a video, in source frames and in stream ticks. */
export interface OfficialFrameWindow {
  /** Clip length in source frames: numFrames·samplingRate / targetFps · fps (= fps: 1 s). */
  clipSize: number;
  /** Frame count the placement used (`stream.frames`, else duration · fps rounded). */
  frames: number;
  /** First frame of the clip, an integer: int(max(frames - clipSize, 0) · 500 / 1000). */
  startIdx: number;
  /** startIdx + clipSize - 1 (fractional when fps is). */
  endIdx: number;
  /** Ticks per frame: stream duration / frame count (1 / (fps · time base) when either is unknown). */
  ticksPerFrame: number;
  /** pts window, ticks from the stream's first pts: frames in [startPts, endPts] and the next one are kept. */
  startPts: number;
  endPts: number;
}

/**
 * The official middle clip of a video with this timing (`pyav_decode` with clip_idx 500 of 1000).
 * Where the official code fails (no frame count or duration: mkv, webm) the frame count falls back
 * to duration · fps and the tick rate to 1 / (fps · time base).
 * @example
 * // 75 frames at 30 fps, 512 ticks per frame: start_idx int(22.5) = 22, pts [11264, 26112]
 * officialFrameWindow({ fps: 30, frames: 75, durationTicks: 38400, timeBase: 1 / 15360 })
 * @throws RangeError when fps or the length are unknown.
 */
export function officialFrameWindow(timing: Pick<VideoTiming, 'fps' | 'frames' | 'durationTicks' | 'timeBase'>): OfficialFrameWindow {
  const { fps, durationTicks, timeBase } = timing;
  const c = OFFICIAL_CLIP;
  if (!(fps > 0)) throw new RangeError(`officialFrameWindow: unknown frame rate (${fps})`);
  const known = timing.frames > 0 && durationTicks > 0;
  const frames = timing.frames > 0 ? timing.frames : Math.round(durationTicks * timeBase * fps);
  if (!(frames > 0)) throw new RangeError('officialFrameWindow: unknown frame count and duration');
  // 1) the clip length in source frames, in the official operation order
  const clipSize = ((c.samplingRate * c.numFrames) / c.targetFps) * fps;
  // 2) the middle clip's first frame; Python's int() truncates
  const delta = Math.max(frames - clipSize, 0);
  const startIdx = Math.trunc((delta * c.clipIdx) / c.numClips);
  const endIdx = startIdx + clipSize - 1;
  // 3) the same window in pts, truncated as `int(start_idx * timebase)`
  const ticksPerFrame = known ? durationTicks / frames : 1 / (fps * timeBase);
  if (!(ticksPerFrame > 0 && Number.isFinite(ticksPerFrame))) throw new RangeError('officialFrameWindow: unknown time base');
  return { clipSize, frames, startIdx, endIdx, ticksPerFrame, startPts: Math.trunc(startIdx * ticksPerFrame), endPts: Math.trunc(endIdx * ticksPerFrame) };
}

/**
 * Which of the `decoded` frames of the window make the clip (`temporal_sampling` in decode()):
 * trunc(torch.linspace(0, clipSize - 1, 30)) in float32, clamped to decoded - 1, so a short
 * video repeats its last frame.
 * @example officialFrameIndices(31, 30) // 0, 1, ..., 29
 */
export function officialFrameIndices(decoded: number, fps: number, numFrames: number = OFFICIAL_CLIP.numFrames): Int32Array {
  if (!(decoded >= 1)) throw new RangeError(`officialFrameIndices: need at least one decoded frame, got ${decoded}`);
  const c = OFFICIAL_CLIP;
  // get_start_end_idx(decoded, num_frames * sampling_rate * fps / target_fps, 0, 1): start 0
  const end = Math.fround((numFrames * c.samplingRate * fps) / c.targetFps - 1);
  // torch's CPU linspace: from the start for the first half, from the end for the second
  const step = numFrames > 1 ? Math.fround(end / (numFrames - 1)) : 0;
  const half = Math.floor(numFrames / 2);
  const idx = new Int32Array(numFrames);
  for (let i = 0; i < numFrames; i++) {
    const v = i < half ? Math.fround(step * i) : Math.fround(end - Math.fround(step * (numFrames - i - 1)));
    idx[i] = Math.trunc(Math.min(Math.max(v, 0), decoded - 1));
  }
  return idx;
}

/** numpy's round: halves to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/**
 * The official audio window, samples [from, to) of the whole track (`get_spec`): 1 s from
 * round(startIdx / fps · rate), or the last second when that runs past the end.
 * @example officialAudioWindow(22, 30, 60416) // { from: 17600, to: 41600 }
 * @throws RangeError when the track is shorter than the window (the official code then takes a
 *   wrapped-around slice of another length; no model input can be made of it).
 */
export function officialAudioWindow(
  startIdx: number,
  fps: number,
  totalSamples: number,
  rate: number = OFFICIAL_CLIP.audioRate,
  seconds: number = OFFICIAL_CLIP.audioSeconds,
): { from: number; to: number } {
  const n = rate * seconds;
  if (totalSamples < n) throw new RangeError(`officialAudioWindow: ${totalSamples} samples, shorter than the ${n} of the window`);
  const from = roundHalfEven((startIdx / fps) * rate);
  return from + n > totalSamples ? { from: totalSamples - n, to: totalSamples } : { from, to: from + n };
}

/**
 * The resized size of a frame (`random_short_side_scale_jitter` with min = max = size): the short
 * side becomes `size`, the long one floor(long / short · size); a frame whose short side is
 * already `size` is left alone.
 * @example shortSideResize(160, 120, 112) // { width: 149, height: 112 }
 */
export function shortSideResize(width: number, height: number, size: number = OFFICIAL_CLIP.size): { width: number; height: number } {
  if ((width <= height && width === size) || (height <= width && height === size)) return { width, height };
  return width < height ? { width: size, height: Math.floor((height / width) * size) } : { width: Math.floor((width / height) * size), height: size };
}

/** (v/255 - mean)/std for every byte value, in float32 as the official tensors are. */
const NORMALISED = Float32Array.from({ length: 256 }, (_, v) =>
  Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(OFFICIAL_CLIP.mean)) / Math.fround(OFFICIAL_CLIP.std)),
);

/**
 * One decoded rgb24 frame [height, width, 3] → the official network input [size, size, 3]
 * (channels-last, float32): normalised, short side resized to `size` as torch's bilinear
 * interpolate (align_corners False, no antialias), centre crop with offsets ceil((len - size)/2).
 * @example officialFrameTensor(rgb, 160, 120) // [112, 112, 3]: resized to 149x112, crop columns 19..130
 */
export function officialFrameTensor(rgb: Uint8Array, width: number, height: number, size: number = OFFICIAL_CLIP.size): Float32Array {
  const r = shortSideResize(width, height, size);
  const crop = { top: Math.ceil((r.height - size) / 2), left: Math.ceil((r.width - size) / 2), height: size, width: size };
  return resizeBilinear(rgb, height, width, 3, r.height, r.width, { crop, lut: NORMALISED });
}

/**
 * The official spectrogram [nfilt, frames] = [257, 99] of 1 s of int16 samples (values as they
 * are, not scaled): logfbank transposed, then (x - 1.93)/17.89 in float32 when `zNormalize`.
 * @example officialSpectrogram(int16Window) // Float32Array of 257 * 99
 */
export function officialSpectrogram(samples: ArrayLike<number>, { zNormalize = true }: { zNormalize?: boolean } = {}): Float32Array {
  const c = OFFICIAL_CLIP;
  const fb = logfbank(samples, c.audioRate, { winlen: c.winlen, winstep: c.winstep, nfilt: c.nfilt, nfft: c.nfft }); // [T, 257]
  const spec = transpose(fb, fb.length / c.nfilt, c.nfilt); // [257, T]
  if (zNormalize) {
    const mean = Math.fround(c.specMean);
    const std = Math.fround(c.specStd);
    for (let i = 0; i < spec.length; i++) spec[i] = Math.fround(spec[i] - mean) / std;
  }
  return spec;
}
