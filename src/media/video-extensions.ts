/**
 * Which files the folder walk hands to ffprobe. The extension list is a cheap first filter (a
 * photo or a .txt never costs a process); ffprobe then decides whether a listed file really holds
 * a video stream. Audio-only extensions (.m4a, .mp3, .wav) are deliberately not listed.
 */
import path from 'node:path';

/** Lower-case extensions (with dot) of containers ffmpeg reads that usually carry video. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  '.mp4', '.m4v', '.mov', '.qt', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.mpe', '.m2v', '.m1v',
  '.flv', '.f4v', '.wmv', '.asf', '.ts', '.mts', '.m2ts', '.vob', '.3gp', '.3g2', '.ogv', '.ogm',
  '.divx', '.xvid', '.dv', '.mxf', '.nut', '.rm', '.rmvb', '.y4m', '.h264', '.264', '.hevc', '.gif',
]);

/** True when `file`'s extension (case-insensitive) is in {@link VIDEO_EXTENSIONS}. */
export function isVideoFile(file: string): boolean {
  return VIDEO_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/** Audio-only containers: a video collection often holds them beside the videos. */
const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set(['.m4a', '.mp3', '.wav', '.flac', '.aac', '.ogg', '.oga', '.opus', '.wma', '.aif', '.aiff', '.mka', '.ac3']);

/** Still images. */
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.heic', '.svg']);

/**
 * Why `file` (not in {@link VIDEO_EXTENSIONS}) is not used, for skipped.csv.
 * @example notVideoReason('a/song.m4a') // 'not a video file by its extension (.m4a: audio only)'
 */
export function notVideoReason(file: string): string {
  const ext = path.extname(file).toLowerCase();
  if (!ext) return 'not a video file by its extension (none)';
  if (AUDIO_EXTENSIONS.has(ext)) return `not a video file by its extension (${ext}: audio only)`;
  if (IMAGE_EXTENSIONS.has(ext)) return `not a video file by its extension (${ext}: an image)`;
  return `not a video file by its extension (${ext})`;
}
