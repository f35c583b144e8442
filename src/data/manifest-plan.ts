/**
 * From probed files to clip requests: which clips of which videos get decoded, and which files
 * are skipped before any ffmpeg runs (probe failed, no video, no audio, too short).
 */
import type { ClipRequest } from './clip-stream.js';
import type { ManifestRow } from './manifest.js';
import type { SkippedItem } from './types.js';
import type { ShortClip } from '../media/decode-options.js';

/** What {@link planClips} needs from the decode options. */
export interface PlanOptions {
  /** Clip span, seconds. */
  clipSeconds: number;
  /** Clips taken from each video (default 1). */
  clipsPerVideo?: number;
  missingAudio: 'skip' | 'silence';
  short: ShortClip;
}

/**
 * Clip starts for a video: one clip is centred (start = duration/2 - span/2, or 0 when the video
 * is shorter than the span or its duration unknown); `count` clips are centred on `count` equal
 * parts of the video, clamped inside it. Rounded to the millisecond; duplicates removed.
 */
export function clipStarts(duration: number, span: number, count = 1): number[] {
  if (!Number.isFinite(duration) || duration <= span) return [0];
  const last = duration - span;
  const starts = new Set<number>();
  for (let j = 0; j < count; j++) {
    const centre = ((j + 0.5) * duration) / count;
    starts.add(Math.round(Math.min(last, Math.max(0, centre - span / 2)) * 1000) / 1000);
  }
  return [...starts].sort((a, b) => a - b);
}

/** Seconds a video may lack before counting as shorter than the span (durations are rounded). */
const SHORT_SLACK = 0.05;

/** Clip requests for usable files, in file order, and one skipped item per unusable file. */
export function planClips(rows: readonly ManifestRow[], opts: PlanOptions): { requests: ClipRequest[]; skipped: SkippedItem[] } {
  const requests: ClipRequest[] = [];
  const skipped: SkippedItem[] = [];
  for (const row of rows) {
    const info = row.info;
    if (!info) skipped.push({ path: row.file, reason: row.error ?? 'probe failed' });
    else if (!info.video) skipped.push({ path: row.file, reason: info.audioStreams ? 'no video stream (audio-only file)' : 'no video stream' });
    else if (!info.audioStreams && opts.missingAudio === 'skip') {
      skipped.push({ path: row.file, reason: 'no audio track (use --missing-audio silence to keep it)' });
    } else if (opts.short === 'skip' && Number.isFinite(info.duration) && info.duration + SHORT_SLACK < opts.clipSeconds) {
      skipped.push({ path: row.file, reason: `shorter than the clip span (${info.duration.toFixed(2)}s < ${opts.clipSeconds}s)` });
    } else {
      for (const start of clipStarts(info.duration, opts.clipSeconds, opts.clipsPerVideo ?? 1)) {
        requests.push({ path: row.file, start, media: info });
      }
    }
  }
  return { requests, skipped };
}
