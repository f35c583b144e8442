/**
 * Recognises which benchmark's label list a truth file is, from its first line.
 */
import { InputError } from '../errors.js';
import { isYouTubeId, parseClipName } from './clip-name.js';
import { headerIndex, parseCsvRecords } from './csv-records.js';

import { TRUTH_FORMATS, type TruthFormat } from './truth-formats.js';

export { TRUTH_FORMATS, type TruthFormat };

/** A format and, within it, the concrete layout of the rows. */
export interface DetectedFormat {
  format: TruthFormat;
  /**
   * `csv` (header `path,label`), `vggsound-split` (`YTID_START6.mp4,label`), `vggsound-full`
   * (`YTID,START,label,split`), `kinetics` (header `label,youtube_id,time_start,...`),
   * `ave` / `ave-header` (`Category&VideoID&Quality&StartTime&EndTime`, with or without that header).
   */
  layout: string;
}

/**
 * The first non-blank line, without a BOM or a CR; '' for a blank file.
 * @example firstLine('\ufeff\r\npath,label\r\n') // 'path,label'
 */
export function firstLine(text: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (const line of body.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed.trim() !== '') return trimmed;
  }
  return '';
}

/**
 * The AVE layout when `line` is an AVE row or its header, else undefined.
 * @example aveLayout('Church bell&RUhOCu3LNXM&good&0&10') // 'ave'
 */
export function aveLayout(line: string): 'ave' | 'ave-header' | undefined {
  const fields = line.split('&').map((f) => f.trim());
  if (fields.length !== 5) return undefined;
  if (fields[0].toLowerCase() === 'category' && fields[1].toLowerCase() === 'videoid') return 'ave-header';
  return fields[1] !== '' ? 'ave' : undefined;
}

/**
 * The VGG-Sound layout when `fields` is a VGG-Sound row, else undefined.
 * @example vggSoundLayout(['glLQrEijrKg_000300.mp4', 'playing hammond organ']) // 'vggsound-split'
 */
export function vggSoundLayout(fields: readonly string[]): 'vggsound-split' | 'vggsound-full' | undefined {
  if (fields.length === 2 && parseClipName(fields[0])?.start !== undefined) return 'vggsound-split';
  if (fields.length === 4 && isYouTubeId(fields[0]) && /^\d+$/.test(fields[1])) return 'vggsound-full';
  return undefined;
}

/**
 * Detects the format from the first line: an AVE `&`-separated row or header, a CSV header
 * naming `youtube_id` and `label` (Kinetics) or `path` and `label` (generic CSV), or a headerless
 * VGG-Sound row. Throws `InputError(file, reason)` when the file is empty or fits none of them.
 * @example detectTruthFormat('---g-f_I2yQ,1,people marching,test\n', 'vggsound.csv') // { format: 'vggsound', layout: 'vggsound-full' }
 */
export function detectTruthFormat(text: string, file: string): DetectedFormat {
  const line = firstLine(text);
  if (line === '') throw new InputError(file, 'empty file: no truth labels');
  const ave = aveLayout(line);
  if (ave) return { format: 'ave', layout: ave };
  const fields = parseCsvRecords(line, file)[0]?.fields ?? [];
  const header = headerIndex(fields);
  if (header.has('youtube_id') && header.has('label')) return { format: 'kinetics', layout: 'kinetics' };
  if (header.has('path') && header.has('label')) return { format: 'csv', layout: 'csv' };
  const vgg = vggSoundLayout(fields);
  if (vgg) return { format: 'vggsound', layout: vgg };
  throw new InputError(
    file,
    `cannot detect the truth format from the first line ${JSON.stringify(line.slice(0, 80))}: ` +
      'expected a header `path,label` (csv) or `label,youtube_id,time_start,...` (kinetics), ' +
      'VGG-Sound rows `YTID_START.mp4,label` or `YTID,START,label,split`, or AVE rows ' +
      '`Category&VideoID&Quality&StartTime&EndTime`; or pass --format',
  );
}
