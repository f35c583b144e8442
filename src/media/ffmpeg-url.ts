/**
 * ffmpeg reads `name:rest` as protocol `name` (so `clip:1.mp4` fails with "Protocol not found")
 * and a leading `-` as an option. Prefixing local paths with `file:` avoids both.
 */

/** The ffmpeg/ffprobe input URL for a local path. */
export function toFfmpegUrl(file: string): string {
  return `file:${file}`;
}
