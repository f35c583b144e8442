import { describe, expect, it } from 'vitest';
import { lineChart } from '../../src/report/plots.js';

describe('lineChart', () => {
  it('draws one path per series, the bold one thicker, with the y range written', () => {
    const svg = lineChart(
      [
        { name: 'head0', values: [1, 0.5, 0.25], color: '#111', bold: true },
        { name: 'head1', values: [0.9, null, 0.2], color: '#222' },
      ],
      { title: 'labels changed', yMin: 0 },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('stroke-width="2.2"');
    expect(svg).toContain('>1.00<');
    expect(svg).toContain('>0.000<');
    // a null leaves a gap: the second path starts twice (M) and draws no line across it
    const second = /<path d="([^"]*)"[^>]*stroke="#222"/.exec(svg)![1];
    expect(second.match(/M/g)).toHaveLength(2);
    expect(second).not.toContain('L');
  });

  it('draws a lone value as a dot', () => {
    const svg = lineChart([{ name: 'loss', values: [null, 2, null], color: '#333' }], { title: 'loss' });
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(lineChart([{ name: 'x', values: [1, 2], color: '#333' }], { title: 't' })).not.toContain('<circle');
  });

  it('escapes its text and returns nothing without data', () => {
    expect(lineChart([{ name: '<x>', values: [1, 2], color: 'red' }], { title: 'a & b' })).toContain('a &amp; b');
    expect(lineChart([{ name: 'x', values: [null, null], color: 'red' }], { title: 't' })).toBe('');
  });
});
