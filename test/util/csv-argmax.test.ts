import { describe, expect, it } from 'vitest';
import { argmaxRows } from '../../src/util/argmax-rows.js';
import { csvField } from '../../src/util/csv-field.js';

describe('csvField', () => {
  it('quotes only what needs it, doubling quotes', () => {
    expect(csvField('clips/a b.mp4')).toBe('clips/a b.mp4');
    expect(csvField('x,y.mp4')).toBe('"x,y.mp4"');
    expect(csvField('say "hi".mp4')).toBe('"say ""hi"".mp4"');
    expect(csvField(' lead.mp4')).toBe('" lead.mp4"');
  });
});

describe('argmaxRows', () => {
  it('takes each row maximum, lowest index on ties', () => {
    expect(Array.from(argmaxRows([0, 2, 1, 5, 5, 0], 2, 3))).toEqual([1, 0]);
  });
});
