import { describe, expect, it } from 'vitest';
import { baseName, isYouTubeId, parseClipName } from '../../src/eval/clip-name.js';

describe('parseClipName', () => {
  it('takes the first 11 characters as the id even when the id starts with - or _ and contains _', () => {
    expect(parseClipName('---g-f_I2yQ_000001.mp4')).toEqual({ id: '---g-f_I2yQ', start: 1 });
    expect(parseClipName('dir/_9_ab-cd_EF_000030.mp4')).toEqual({ id: '_9_ab-cd_EF', start: 30 });
    expect(parseClipName('glLQrEijrKg_000300.mp4')).toEqual({ id: 'glLQrEijrKg', start: 300 });
  });

  it('reads the Kinetics start and end seconds', () => {
    expect(parseClipName('k/---g-f_I2yQ_000030_000040.mp4')).toEqual({ id: '---g-f_I2yQ', start: 30, end: 40 });
  });

  it('reads a bare id (AVE), with or without an extension, and Windows separators', () => {
    expect(parseClipName('C:\\ave\\-1qyr-IzqKY.mp4')).toEqual({ id: '-1qyr-IzqKY' });
    expect(parseClipName('RUhOCu3LNXM')).toEqual({ id: 'RUhOCu3LNXM' });
  });

  it('rejects names that are not id-shaped', () => {
    expect(parseClipName('cat1.jpg')).toBeUndefined();
    expect(parseClipName('glLQrEijrKg_00x300.mp4')).toBeUndefined();
    expect(parseClipName('glLQrEijrK.mp4')).toBeUndefined(); // 10 characters
    expect(parseClipName('glLQrEijrKg!.mp4')).toBeUndefined();
  });
});

describe('baseName and isYouTubeId', () => {
  it('splits on either separator and checks the 11-character alphabet', () => {
    expect(baseName('a/b\\c.mp4')).toBe('c.mp4');
    expect(baseName('c.mp4')).toBe('c.mp4');
    expect(isYouTubeId('---g-f_I2yQ')).toBe(true);
    expect(isYouTubeId('---g-f_I2y')).toBe(false);
  });
});
