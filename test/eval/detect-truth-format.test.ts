import { describe, expect, it } from 'vitest';
import { detectTruthFormat } from '../../src/eval/detect-truth-format.js';
import { inputError } from './input-error.js';

describe('detectTruthFormat', () => {
  it.each([
    ['glLQrEijrKg_000300.mp4,playing hammond organ\n', 'vggsound', 'vggsound-split'],
    ['0_8-g2rof7E_000049.mp4,"heart sounds, heartbeat"\r\n', 'vggsound', 'vggsound-split'],
    ['---g-f_I2yQ,1,people marching,test\n', 'vggsound', 'vggsound-full'],
    ['-0DdlOuIFUI,50,"bird chirping, tweeting",train\n', 'vggsound', 'vggsound-full'],
    ['label,youtube_id,time_start,time_end,split,is_cc\n"a, b",abcdefghijk,0,10,train,0\n', 'kinetics', 'kinetics'],
    ['youtube_id,time_start,time_end,label\n', 'kinetics', 'kinetics'],
    ['path,label\na.mp4,cat\n', 'csv', 'csv'],
    ['Label,Split,Path\n', 'csv', 'csv'],
    ['Category&VideoID&Quality&StartTime&EndTime\nBark&abcdefghijk&good&0&10\n', 'ave', 'ave-header'],
    ['\n\nChurch bell&RUhOCu3LNXM&good&0&10\n', 'ave', 'ave'],
    ['\ufeffMale speech, man speaking&-9R4WPSKE3Q&good&0&10\n', 'ave', 'ave'],
  ])('detects %j as %s (%s)', (text, format, layout) => {
    expect(detectTruthFormat(text, 't')).toEqual({ format, layout });
  });

  it('throws when the file is empty or blank', () => {
    expect(inputError(() => detectTruthFormat(' \n\r\n', 'labels.txt')).message).toBe('labels.txt: empty file: no truth labels');
  });

  it('throws when the first line fits no format, and says to pass --format', () => {
    const err = inputError(() => detectTruthFormat('ambulance siren,1050,vehicle\n', 'classes.csv'));
    expect(err.file).toBe('classes.csv');
    expect(err.message).toMatch(/^classes\.csv: cannot detect the truth format from the first line "ambulance siren,1050,vehicle": .*pass --format$/);
  });
});
