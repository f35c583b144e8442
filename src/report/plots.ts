/**
 * Small inline-SVG line charts for the report's header (pure, no library): one chart per
 * quantity of log.jsonl (loss, fraction of labels changed, NMI), x = label update.
 */

/** One line of a chart. */
export interface Series {
  name: string;
  /** y per x; null leaves a gap. */
  values: readonly (number | null)[];
  /** CSS colour. */
  color: string;
  /** Drawn thicker (the chosen head). */
  bold?: boolean;
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  title: string;
  /** Pixels (default 260 x 120). */
  width?: number;
  height?: number;
  /** y range; default the data's, widened to include 0 when `fromZero`. */
  yMin?: number;
  yMax?: number;
  /** x values' labels (default 0..n-1); the first and last are written under the axis. */
  xLabels?: readonly string[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `0.1234` -> `0.123`, `12.5` -> `12.5`, `1234` -> `1234`. */
function tick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(Math.abs(v) >= 1 ? 2 : 3);
}

/**
 * An SVG line chart with a title, a y range on the left and a legend of up to a few names.
 * Returns '' when no series has a value.
 * @example lineChart([{ name: 'loss', values: [2.3, 2.1, 2.0], color: '#c33' }], { title: 'loss' })
 */
export function lineChart(series: readonly Series[], opts: ChartOptions): string {
  const { title, width = 260, height = 120 } = opts;
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (values.length === 0) return '';
  const n = Math.max(...series.map((s) => s.values.length));
  let lo = opts.yMin ?? Math.min(...values);
  let hi = opts.yMax ?? Math.max(...values);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  // Plot area inside margins for the title (top), y labels (left), x labels and legend (bottom).
  const [left, right, top, bottom] = [38, 6, 16, 26];
  const pw = width - left - right;
  const ph = height - top - bottom;
  const x = (i: number) => left + (n <= 1 ? pw / 2 : (i * pw) / (n - 1));
  const y = (v: number) => top + ph - ((v - lo) / (hi - lo)) * ph;
  const lines = series.map((s) => {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    // A value with no neighbour to draw a line to is a dot.
    const known = (i: number) => i >= 0 && i < s.values.length && s.values[i] !== null && Number.isFinite(s.values[i]);
    const dots = s.values.map((v, i) => (known(i) && !known(i - 1) && !known(i + 1) ? `<circle cx="${x(i).toFixed(1)}" cy="${y(v!).toFixed(1)}" r="2.5" fill="${s.color}"/>` : '')).join('');
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.bold ? 2.2 : 1.2}"${s.bold ? '' : ' stroke-opacity="0.8"'}><title>${esc(s.name)}</title></path>${dots}`;
  });
  const xl = opts.xLabels ?? Array.from({ length: n }, (_, i) => String(i));
  const legend = series
    .slice(0, 4)
    .map((s, i) => `<text x="${left + i * 56}" y="${height - 2}" fill="${s.color}">${esc(s.name.slice(0, 9))}</text>`)
    .join('');
  return [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}">`,
    `<text x="${left}" y="11" class="t">${esc(title)}</text>`,
    `<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#999"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#999"/>`,
    `<text x="${left - 3}" y="${top + 4}" text-anchor="end">${tick(hi)}</text><text x="${left - 3}" y="${top + ph}" text-anchor="end">${tick(lo)}</text>`,
    `<text x="${left}" y="${top + ph + 10}">${esc(xl[0] ?? '')}</text><text x="${left + pw}" y="${top + ph + 10}" text-anchor="end">${esc(xl[n - 1] ?? '')}</text>`,
    ...lines,
    legend,
    '</svg>',
  ].join('');
}
