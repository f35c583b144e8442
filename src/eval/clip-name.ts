/**
 * YouTube clip names as the benchmark lists use them: `YTID.mp4` (AVE), `YTID_000030.mp4`
 * (VGG-Sound: start second, 6 digits), `YTID_000030_000040.mp4` (Kinetics: start and end).
 * YouTube ids are exactly 11 characters of [A-Za-z0-9_-] and may themselves start with `-` or `_`
 * and contain `_`, so the id is the first 11 characters, never "the part before the first `_`".
 */

/** The parts of a clip name; `start`/`end` are whole seconds when the name carries them. */
export interface ClipName {
  id: string;
  start?: number;
  end?: number;
}

const CLIP = /^([A-Za-z0-9_-]{11})(?:_(\d{1,9}))?(?:_(\d{1,9}))?$/;
const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

/**
 * The last path component, with `/` or `\` as separators.
 * @example baseName('a\\b/c.mp4') // 'c.mp4'
 */
export function baseName(p: string): string {
  const cut = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return cut < 0 ? p : p.slice(cut + 1);
}

/**
 * Parses the YouTube id and times from a path's file name, or returns undefined when the name
 * does not have that shape. The extension, if any, is ignored.
 * @example
 * parseClipName('videos/---g-f_I2yQ_000001.mp4') // { id: '---g-f_I2yQ', start: 1 }
 * parseClipName('abc_def.mp4')                   // undefined
 */
export function parseClipName(p: string): ClipName | undefined {
  const base = baseName(p);
  const dot = base.lastIndexOf('.');
  // A dot inside the first 11 characters cannot be an extension separator of an id-shaped name.
  const stem = dot >= 11 ? base.slice(0, dot) : base;
  const m = CLIP.exec(stem);
  if (!m) return undefined;
  const clip: ClipName = { id: m[1] };
  if (m[2] !== undefined) clip.start = Number(m[2]);
  if (m[3] !== undefined) clip.end = Number(m[3]);
  return clip;
}

/**
 * True for an 11-character YouTube id.
 * @example isYouTubeId('---g-f_I2yQ') // true
 */
export function isYouTubeId(s: string): boolean {
  return YOUTUBE_ID.test(s);
}

/**
 * A path in the form both files are compared in: `/` separators, no leading `./`.
 * @example normalizePath('.\\a\\b.mp4') // 'a/b.mp4'
 */
export function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}
