/**
 * The report page at the demo's size and at 10,000 clips: how long the report takes to make
 * (media with ffmpeg, then the page), how large it is, and how long the system's chromium takes
 * to load it (navigation to the page's script having built every card), with the JS heap after.
 * The runs are synthetic (no training): rows over the built-in demo's 300 clips, repeated.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeReport } from '../src/report/write-report.js';
import { CHROMIUM_ARGS, findChromium } from '../test/helpers/chromium.js';
import { syntheticRun } from '../test/helpers/synthetic-run.js';
import { peakRssMb } from './lib/peak-rss.js';

const executablePath = findChromium();
if (!executablePath) throw new Error('no chromium found (Debian: apt-get install chromium; or set CHROMIUM_PATH)');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'selavi-report-bench-'));
const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'] });
const cases = [
  { name: '300 clips, 10 clusters', rows: 300, k: 10 },
  { name: '10,000 clips, 10 clusters', rows: 10_000, k: 10 },
  { name: '10,000 clips, 400 clusters', rows: 10_000, k: 400 },
];
const results = [];
try {
  for (const c of cases) {
    const run = syntheticRun(path.join(tmp, `run-${c.rows}-${c.k}`), { rows: c.rows, clips: 300, clusterOf: (i) => i % c.k });
    const t0 = performance.now();
    const r = await writeReport({ run: run.dir, progress: 'quiet', say: () => undefined });
    const made = (performance.now() - t0) / 1000;
    const mediaBytes = readdirSync(r.media).reduce((s, f) => s + statSync(path.join(r.media, f)).size, 0);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const t1 = performance.now();
    await page.goto(pathToFileURL(r.html).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]');
    const loadMs = performance.now() - t1;
    const dom = (await page.evaluate("({ members: document.querySelectorAll('.member').length, heap: performance.memory ? performance.memory.usedJSHeapSize : null })")) as { members: number; heap: number | null };
    await page.close();
    results.push({
      case: c.name,
      report_seconds: Number(made.toFixed(1)),
      html_kb: Number((r.bytes / 1024).toFixed(1)),
      media_mb: Number((mediaBytes / 2 ** 20).toFixed(1)),
      members_on_cards: r.members,
      members_rendered: dom.members,
      load_ms: Math.round(loadMs),
      js_heap_mb: dom.heap === null ? null : Number((dom.heap / 2 ** 20).toFixed(1)),
    });
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'report-page', chromium: browser.version(), cases: results, peak_rss_mb: peakRssMb() }));
process.exit(0);
