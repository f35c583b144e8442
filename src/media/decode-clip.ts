/**
 * Decodes one clip — K frames and the audio of the same span — with ONE ffmpeg process.
 *
 * The process seeks with `-ss` before `-i` (demuxer seek to the keyframe, then exact trimming: only
 * the span is decoded, never the whole file) and writes two raw outputs at once: `rgb24` frames,
 * already sampled, scaled and cropped by ffmpeg, on stdout, and mono `f32le` audio at the target
 * rate on fd 3. One process demuxes the file once; two processes would demux and seek twice and
 * pay the process start twice, for no parallelism we do not already get from running one process
 * per core. `-threads 1` (and `-filter_threads 1`) because the stream runs one process per core.
 * Measured on 2 cores, 2 s 160x120 h264+aac clips, 2 clips in parallel: one process with
 * -threads 1 ≈ 85-96 clips/s, the same with ffmpeg's automatic threads ≈ 70, two processes
 * (video, audio) with -threads 1 ≈ 63.
 */
import { MediaDecodeError } from '../errors.js';
import type { DecodedClip } from '../data/types.js';
import { clipSamples, clipShapes, frameRate, melSpecOptions, resolveDecodeOptions, type DecodeOptions } from './decode-options.js';
import { locate } from './ffmpeg-path.js';
import { toFfmpegUrl } from './ffmpeg-url.js';
import { createMelSpectrogram, type MelSpecFn } from './melspec.js';
import { probeMedia, type MediaInfo } from './probe.js';
import { runProcess, stderrReason } from './run-process.js';

/** Per-call context: a known probe result saves one ffprobe run per clip. */
export interface DecodeContext {
  /** Result of `probeMedia(file)`; probed here when absent. */
  media?: MediaInfo;
  /** Aborting kills the ffmpeg process. */
  signal?: AbortSignal;
  /** ffmpeg binary (default `locate('ffmpeg')`). */
  ffmpeg?: string;
}

const melCache = new Map<string, MelSpecFn>();

/** The spectrogram function for these options, built once per distinct option set. */
function melFor(o: DecodeOptions): MelSpecFn {
  const m = melSpecOptions(o);
  const key = JSON.stringify(m);
  let fn = melCache.get(key);
  if (!fn) melCache.set(key, (fn = createMelSpectrogram(m)));
  return fn;
}

/** Decoder error lines ffmpeg prints per damaged packet/slice; many of them inside the span = corrupt. */
const DECODE_ERROR_LINE = /Error while decoding stream|concealing \d+ .*errors|Invalid NAL unit size/i;

/**
 * The ffmpeg video filter: pick the K frames, then scale the short side to S and centre-crop S x S,
 * so the pipe carries only K small frames.
 * Frame picking: with the `fps` filter, slot k takes the LAST source frame rounding to it, i.e.
 * about half a slot late; `select` takes instead the first frame at or after slot time minus half
 * a source frame, i.e. the source frame nearest to start + k / rate. A source slower than the
 * rate needs duplicates, which only `fps` makes, so it keeps `fps`. Frames without timestamps
 * (t = NaN, some raw streams) are all selected: the first K frames beat no frames.
 */
export function videoFilter(rate: number, size: number, sourceFps: number): string {
  const pick =
    sourceFps >= rate && sourceFps > 0
      ? `select='isnan(t)+gte(t+${(0.5 / sourceFps).toFixed(6)}\\,selected_n*${(1 / rate).toFixed(9)})'`
      : `fps=${rate.toFixed(9)}`;
  const scale = `scale=w='if(lte(iw,ih),${size},-1)':h='if(lte(iw,ih),-1,${size})':flags=bilinear`;
  return `${pick},${scale},crop=${size}:${size}`;
}

/** The full ffmpeg argument list for one clip (exported for tests and the benchmark). */
export function ffmpegClipArgs(file: string, start: number, o: DecodeOptions, media: MediaInfo, withAudio: boolean): string[] {
  const rate = frameRate(o);
  // Read long enough for both the frames (K / rate) and the audio span.
  const readSpan = Math.max(o.clipSeconds, o.frames / rate);
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-threads', String(o.threads), '-filter_threads', String(o.threads)];
  args.push('-ss', start.toFixed(6), '-t', readSpan.toFixed(6), '-i', toFfmpegUrl(file));
  args.push('-map', '0:v:0', '-vf', videoFilter(rate, o.size, media.video?.fps ?? 0));
  // passthrough: rawvideo would otherwise be constant-frame-rate and duplicate frames into gaps.
  args.push('-vsync', 'passthrough', '-frames:v', String(o.frames), '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  if (withAudio) {
    args.push('-map', '0:a:0', '-ac', '1', '-ar', String(o.sampleRate), '-t', o.clipSeconds.toFixed(6), '-f', 'f32le', 'pipe:3');
  }
  return args;
}

/** Seconds of slack before a clip counts as short: container durations are rounded to frames. */
function shortTolerance(media: MediaInfo): number {
  return Math.max(0.05, media.video?.fps ? 1 / media.video.fps : 0);
}

/** Fills `samples` after its first `have` values by repeating them (nothing to repeat: left as is). */
export function repeatToFill(samples: Float32Array, have: number): void {
  if (have <= 0) return;
  for (let i = have; i < samples.length; i += have) samples.copyWithin(i, 0, Math.min(have, samples.length - i));
}

/**
 * Decodes the clip of `file` starting at `start` seconds.
 *
 * Output: frames Float32 [K, S, S, 3] in [0, 1] (k-th frame ≈ start + k / rate), and the log-mel
 * spectrogram [F, M] of the mono 16 kHz audio of [start, start + clipSeconds) (see melspec.ts).
 * Short clips are fitted (frames spread over what there is, audio repeated; `short: 'fit'`), padded
 * (last frame repeated, audio zero; `pad`) or refused (`skip`); audio shorter than the span by a
 * few samples (tracks rarely end with the video) is zero-padded.
 * @throws MediaDecodeError (one-line reason) for a file or clip that cannot be used.
 */
export async function decodeClip(
  file: string,
  start: number,
  options: Partial<DecodeOptions> = {},
  ctx: DecodeContext = {},
): Promise<DecodedClip> {
  const o = resolveDecodeOptions(options);
  const media = ctx.media ?? (await probeMedia(file, { signal: ctx.signal }));
  if (!media.video) throw new MediaDecodeError(file, media.audioStreams ? 'no video stream (audio-only file)' : 'no video stream');
  const hasAudio = media.audioStreams > 0;
  if (!hasAudio && o.missingAudio === 'skip') throw new MediaDecodeError(file, 'no audio track (use --missing-audio silence to keep it)');
  const span = o.clipSeconds;
  if (o.short === 'skip' && Number.isFinite(media.duration) && media.duration + shortTolerance(media) < start + span) {
    throw new MediaDecodeError(file, `shorter than the clip span (${media.duration.toFixed(2)}s < ${(start + span).toFixed(2)}s)`);
  }

  const { frameShape, specShape } = clipShapes(o);
  const [K, S] = frameShape;
  const frameBytes = S * S * 3;
  const nSamples = clipSamples(o);
  // `fit`: a video shorter than the span gives its K frames spread over what it has, and its audio,
  // repeated, fills the span (below): no frozen frames, no trailing silence to tell it by.
  const available = Number.isFinite(media.duration) ? media.duration - start : Infinity;
  const fitSpan = o.short === 'fit' && available + shortTolerance(media) < span && available > 0 ? available : undefined;
  const read = fitSpan === undefined ? o : { ...o, clipSeconds: fitSpan, fps: K / fitSpan };
  let decodeErrors = 0;
  let firstError = '';
  const res = await runProcess(ctx.ffmpeg ?? locate('ffmpeg').path, ffmpegClipArgs(file, start, read, media, hasAudio), {
    timeoutMs: o.timeoutMs,
    memoryLimitMb: o.memoryMb,
    signal: ctx.signal,
    fds: hasAudio ? { 1: { maxBytes: K * frameBytes }, 3: { maxBytes: nSamples * 4 } } : { 1: { maxBytes: K * frameBytes } },
    onStderrLine: (line) => {
      if (DECODE_ERROR_LINE.test(line)) {
        decodeErrors++;
        firstError ||= line.trim();
      }
    },
  });
  if (res.timedOut) throw new MediaDecodeError(file, `ffmpeg timed out after ${o.timeoutMs / 1000}s (killed)`, res.stderrTail);
  if (res.aborted) throw new MediaDecodeError(file, 'decode aborted', res.stderrTail);
  if (res.memoryExhausted) {
    throw new MediaDecodeError(file, `ffmpeg ran out of its ${o.memoryMb} MB memory limit (a damaged or huge video; --memory-mb raises it)`, res.stderrTail);
  }
  if (res.code !== 0) {
    throw new MediaDecodeError(file, `ffmpeg: ${stderrReason(res.stderrTail, toFfmpegUrl(file)) || `exit code ${res.code}`}`, res.stderrTail);
  }
  if (decodeErrors > o.maxDecodeErrors) {
    throw new MediaDecodeError(file, `corrupt: ${decodeErrors} decode errors in the clip (${firstError})`, res.stderrTail);
  }

  const video = res.outputs[1];
  const got = Math.floor(video.length / frameBytes);
  if (got === 0) throw new MediaDecodeError(file, `no video frames decoded at ${start.toFixed(2)}s`, res.stderrTail);
  if (got < K && o.short === 'skip') {
    throw new MediaDecodeError(file, `shorter than the clip span (${got} of ${K} frames)`, res.stderrTail);
  }
  const frames = new Float32Array(K * frameBytes);
  const px = video.data;
  const n = got * frameBytes;
  for (let i = 0; i < n; i++) frames[i] = px[i] / 255;
  // Pad by repeating the last decoded frame: a still frame is a milder lie than black.
  for (let k = got; k < K; k++) frames.copyWithin(k * frameBytes, (got - 1) * frameBytes, got * frameBytes);

  // Audio: the buffer was allocated zeroed with exactly nSamples floats, so a short track is
  // zero-padded for free (`fit` repeats what was read instead); no track at all (missingAudio =
  // silence) decodes silence.
  const samples = hasAudio ? new Float32Array(res.outputs[3].data.buffer, 0, nSamples) : new Float32Array(nSamples);
  if (hasAudio && fitSpan !== undefined) repeatToFill(samples, Math.floor(res.outputs[3].length / 4));
  const spec = melFor(o)(samples);
  return {
    path: file,
    start,
    frames,
    frameShape: [...frameShape],
    spec,
    specShape: [...specShape],
    hasAudio,
    padded: got < K,
    // Fewer frames than a span the container promised: a truncated file (not a short one).
    ...(clipNote(decodeErrors, firstError, got, K, available + shortTolerance(media) >= span ? media.duration : undefined) ?? {}),
  };
}

/**
 * Why a clip that is still used is suspect, in words, or undefined: decoder errors inside its span,
 * or fewer frames than the span should hold although the container promised them (a truncated
 * file: its header's duration outlives its data).
 */
function clipNote(decodeErrors: number, firstError: string, got: number, K: number, promisedDuration: number | undefined): { note: string } | undefined {
  const notes: string[] = [];
  if (decodeErrors > 0) notes.push(`${decodeErrors} decoder error${decodeErrors > 1 ? 's' : ''} in the span (${firstError})`);
  if (got < K && promisedDuration !== undefined) notes.push(`only ${got} of ${K} frames decoded, though the file says it lasts ${promisedDuration.toFixed(1)} s (truncated?): the last one is repeated`);
  return notes.length > 0 ? { note: `damaged: ${notes.join('; ')}; clustered from what decoded` } : undefined;
}
