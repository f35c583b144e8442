import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseCsvRecords } from '../../src/eval/csv-records.js';
import { parseTruth, readTruth } from '../../src/eval/read-truth.js';
import { inputError } from './input-error.js';
import { fixture, sharedFile } from './paths.js';

describe('readTruth on small files of each format', () => {
  it('reads VGG-Sound split files: name, id, start and quoted labels with commas', async () => {
    const t = await readTruth(fixture('vggsound-split.csv'));
    expect([t.format, t.layout, t.rows]).toEqual(['vggsound', 'vggsound-split', 5]);
    expect(t.clips[2]).toMatchObject({ path: '---g-f_I2yQ_000001.mp4', id: '---g-f_I2yQ', start: 1, label: 'heart sounds, heartbeat', line: 3 });
  });

  it('reads the full VGG-Sound list YTID,START,label,split', async () => {
    const t = await readTruth(fixture('vggsound-full.csv'));
    expect([t.format, t.layout, t.clips.length]).toEqual(['vggsound', 'vggsound-full', 5]);
    expect(t.clips[3]).toMatchObject({ id: '_9_ab-cd_EF', start: 30, label: 'heart sounds, heartbeat' });
    expect(t.clips[3].path).toBeUndefined();
  });

  it('reads Kinetics lists by header name, with quoted labels', async () => {
    const t = await readTruth(fixture('kinetics.csv'));
    expect([t.format, t.layout, t.clips.length]).toEqual(['kinetics', 'kinetics', 4]);
    expect(t.clips[2]).toMatchObject({ id: '---g-f_I2yQ', start: 1, label: 'heart sounds, heartbeat' });
  });

  it('reads a generic CSV with a path,label header', async () => {
    const t = await readTruth(fixture('truth-generic.csv'));
    expect([t.format, t.layout, t.clips.map((c) => c.label)]).toEqual(['csv', 'csv', ['cat', 'cat', 'dog', 'dog']]);
  });

  it('reads AVE with and without its header line, keeping conflicting labels aside and merging repeats', async () => {
    for (const [name, layout] of [['ave-header.txt', 'ave-header'], ['ave-no-header.txt', 'ave']]) {
      const t = await readTruth(fixture(name), { format: 'auto' });
      expect([t.format, t.layout, t.rows, t.duplicates]).toEqual(['ave', layout, 6, 1]);
      expect(t.clips.map((c) => [c.id, c.label])).toEqual([
        ['RUhOCu3LNXM', 'Church bell'],
        ['MH3m4AwEcRY', 'Church bell'],
        ['_5wHd0VafUA', 'Bark'],
      ]);
      expect(t.ambiguousClips.map((c) => [c.id, c.labels])).toEqual([['-1qyr-IzqKY', ['Ukulele', 'Accordion']]]);
      expect(t.clips[0].start).toBeUndefined(); // AVE clips are whole videos
    }
  });

  it('uses the format the user names over detection', () => {
    const t = parseTruth('path,label\na.mp4,x\n', 't.csv', { format: 'csv' });
    expect(t.format).toBe('csv');
    expect(parseTruth('abcdefghijk,5,x,test\n', 't.csv', { format: 'vggsound' }).layout).toBe('vggsound-full');
  });

  it('throws when the format is unknown', () => {
    expect(inputError(() => parseTruth('path,label\na,b\n', 'labels.csv', { format: 'imagenet' })).message).toBe(
      'labels.csv: unknown format "imagenet": use auto, csv, vggsound, kinetics, ave',
    );
  });

  it('throws when the format cannot be detected', async () => {
    await expect(readTruth(fixture('truth-undetectable.txt'))).rejects.toThrow(/truth-undetectable\.txt: cannot detect the truth format/);
  });

  it('throws when the file is empty, whatever the format', async () => {
    await expect(readTruth(fixture('empty.csv'))).rejects.toThrow(/empty\.csv: empty file/);
    await expect(readTruth(fixture('empty.csv'), { format: 'ave' })).rejects.toThrow(/empty\.csv: empty file/);
  });

  it('throws when a header has no data rows', () => {
    expect(inputError(() => parseTruth('path,label\n', 't.csv')).message).toBe('t.csv: no label rows');
  });

  it('throws when --format csv meets a file without a path,label header', async () => {
    await expect(readTruth(fixture('vggsound-split.csv'), { format: 'csv' })).rejects.toThrow(
      /vggsound-split\.csv: no `path` column in the header \(found: glLQrEijrKg_000300\.mp4, playing hammond organ\)/,
    );
  });

  it('throws when a VGG-Sound row has another shape, naming the line', () => {
    const text = 'glLQrEijrKg_000300.mp4,organ\nnot-a-clip.mp4,organ\n';
    expect(inputError(() => parseTruth(text, 'v.csv')).message).toMatch(/^v\.csv: line 2: expected a VGG-Sound row/);
  });

  it('throws when a Kinetics header lacks youtube_id or a row has a bad id', () => {
    expect(inputError(() => parseTruth('label,time_start\nx,1\n', 'k.csv', { format: 'kinetics' })).message).toMatch(
      /^k\.csv: no `youtube_id` column/,
    );
    expect(inputError(() => parseTruth('label,youtube_id,time_start\nx,short,1\n', 'k.csv')).message).toMatch(/^k\.csv: line 2: /);
  });

  it('throws when an AVE row does not have five &-separated fields', () => {
    expect(inputError(() => parseTruth('Bark&abcdefghijk&good&0&10\nBark&abcdefghijk&good\n', 'a.txt')).message).toBe(
      'a.txt: line 2: expected `Category&VideoID&Quality&StartTime&EndTime`, got "Bark&abcdefghijk&good"',
    );
  });
});

describe('readTruth on the real benchmark files (../shared/formats)', () => {
  const vgg = sharedFile('vggsound-test.csv');
  const classes = sharedFile('vggsound-classes.csv');
  const ave = sharedFile('ave-annotations.txt');

  it.skipIf(!vgg || !classes)('reads all 15,446 VGG-Sound test clips with exactly the 309 published class names', async () => {
    const t = await readTruth(vgg!);
    expect([t.format, t.layout, t.rows, t.clips.length, t.ambiguousClips.length]).toEqual(['vggsound', 'vggsound-split', 15446, 15446, 0]);
    const published = parseCsvRecords(readFileSync(classes!, 'utf8'), classes!).map((r) => r.fields[0]);
    expect(published).toHaveLength(309);
    expect([...new Set(t.clips.map((c) => c.label))].sort()).toEqual([...published].sort());
    expect(t.clips.some((c) => c.id!.startsWith('-'))).toBe(true);
    expect(t.clips.every((c) => c.path === `${c.id}_${String(c.start).padStart(6, '0')}.mp4`)).toBe(true);
  });

  it.skipIf(!ave)('reads 4,143 AVE rows: 28 classes, 45 ambiguous videos set aside, 4,052 clips kept', async () => {
    const t = await readTruth(ave!);
    expect([t.format, t.layout, t.rows, t.duplicates]).toEqual(['ave', 'ave', 4143, 0]);
    expect(t.ambiguousClips).toHaveLength(45);
    expect(t.clips).toHaveLength(4052);
    expect(new Set(t.clips.map((c) => c.label)).size).toBe(28);
    const byId = new Map(t.ambiguousClips.map((c) => [c.id, c.labels]));
    expect(byId.get('-9R4WPSKE3Q')).toEqual(['Male speech, man speaking', 'Female speech, woman speaking']);
    expect(byId.get('0f_iTO5t3hU')).toEqual(['Ukulele', 'Banjo', 'Mandolin']);
  });

  it.skipIf(!ave)('reads the same AVE file with the original header line prepended', () => {
    const text = `Category&VideoID&Quality&StartTime&EndTime\n${readFileSync(ave!, 'utf8')}`;
    const t = parseTruth(text, 'Annotations.txt');
    expect([t.layout, t.rows, t.clips.length, t.ambiguousClips.length]).toEqual(['ave-header', 4143, 4052, 45]);
  });
});
