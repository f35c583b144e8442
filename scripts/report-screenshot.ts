/**
 * The README's picture of the demo's gallery: opens a report in the system's chromium and saves
 * the top of the page as a PNG of few colours (ffmpeg's palette filters keep it small).
 * Usage: npx tsx scripts/report-screenshot.ts [runs/demo/report.html] [docs/report-demo.png]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { locate } from '../src/media/ffmpeg-path.js';
import { runProcess } from '../src/media/run-process.js';
import { CHROMIUM_ARGS, findChromium } from '../test/helpers/chromium.js';

const [html = 'runs/demo/report.html', out = 'docs/report-demo.png'] = process.argv.slice(2);
const executablePath = findChromium();
if (!executablePath) throw new Error('no chromium found (Debian: apt-get install chromium; or set CHROMIUM_PATH)');
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'selavi-shot-'));
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(pathToFileURL(path.resolve(html)).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForFunction("[...document.querySelectorAll('.card .member img')].slice(0, 40).every((i) => i.complete && i.naturalWidth > 0)");
  const raw = path.join(tmp, 'raw.png');
  await page.screenshot({ path: raw });
  mkdirSync(path.dirname(out), { recursive: true });
  // 128 colours, no dithering: text stays sharp, the clips' frames keep their look.
  const filter = 'split[a][b];[a]palettegen=max_colors=128:stats_mode=full[p];[b][p]paletteuse=dither=none';
  const res = await runProcess(locate('ffmpeg').path, ['-nostdin', '-v', 'error', '-y', '-i', raw, '-filter_complex', filter, '-frames:v', '1', out], { timeoutMs: 60_000, fds: {} });
  if (res.code !== 0) throw new Error(`ffmpeg: ${res.stderrTail}`);
  console.log(`${out}: ${(statSync(out).size / 1024).toFixed(0)} KB`);
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
