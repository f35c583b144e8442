/**
 * The report page in a real browser: Debian's chromium driven by playwright-core (no browser
 * download). Skipped, with a message saying why, where no chromium is installed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport, type ReportSummary } from '../../src/report/write-report.js';
import { nuisanceValuesForItems, truthForItems } from '../../src/train/reference-labels.js';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium.js';
import { DEMO, ROOT, syntheticRun, type SyntheticRun } from '../helpers/synthetic-run.js';

const executablePath = findChromium();
if (!executablePath) {
  console.warn('report browser test skipped: no chromium found (Debian: apt-get install chromium; or set CHROMIUM_PATH)');
}

/** Where the test leaves its screenshot (ignored by git). */
const SCREENSHOT = path.join(ROOT, '.cache', 'test-artifacts', 'report-browser.png');

/** Opens `html`, collecting console errors, page errors and failed requests. */
async function open(browser: Browser, html: string): Promise<{ page: Page; problems: string[]; ms: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request: ${r.url()} ${r.failure()?.errorText}`));
  const t0 = performance.now();
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]');
  return { page, problems, ms: performance.now() - t0 };
}

// In-page code is given as text: this project type-checks without the DOM library.
type CardData = Record<string, string>;
const visibleCards = (page: Page) => page.evaluate("[...document.querySelectorAll('.card:not(.hidden)')].map((e) => ({ ...e.dataset }))") as Promise<CardData[]>;

describe.skipIf(!executablePath)('report page in chromium', () => {
  let tmp: string;
  let browser: Browser;
  let run: SyntheticRun;
  let report: ReportSummary;
  // 60 demo clips in 5 clusters of 20, 15, 12, 8 and 5; cards hold 12, render 10 before "show more".
  const sizes = [20, 15, 12, 8, 5];
  const clusterOf = (i: number) => {
    let rest = i;
    for (const [c, n] of sizes.entries()) {
      if (rest < n) return [3, 0, 4, 1, 2][c];
      rest -= n;
    }
    throw new Error('row beyond the clusters');
  };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'selavi-report-'));
    run = syntheticRun(path.join(tmp, 'run'), { rows: 60, clips: 60, clusterOf, cache: false }); // no cache: each clip is probed
    report = await writeReport({ run: run.dir, perCard: 12, cap: 10, progress: 'quiet', say: () => undefined });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('loads with no console error and shows every card and member, a sample for large clusters', async () => {
    expect(report).toMatchObject({ items: 60, clusters: 5, members: 12 + 12 + 12 + 8 + 5, missing: 0 });
    const { page, problems, ms } = await open(browser, report.html);
    console.log(`report page, 60 clips: ${(report.bytes / 1024).toFixed(1)} KB HTML, loaded in ${ms.toFixed(0)} ms`);
    expect(await page.locator('.card').count()).toBe(5);
    expect(await page.locator('.card .member').count()).toBe(10 + 10 + 10 + 8 + 5);
    const first = page.locator('.card').first();
    expect(await first.locator('.note').textContent()).toContain('a sample of 12 of 20');
    await first.locator('button.more').click();
    expect(await first.locator('.member').count()).toBe(12);
    // Every visible thumbnail decoded.
    await page.waitForFunction("[...document.querySelectorAll('.card .member img')].slice(0, 8).every((i) => i.complete && i.naturalWidth > 0)");
    expect(problems).toEqual([]);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
    await page.close();
  });

  it('sorts by size, purity, confidence and cluster id, and filters by majority label', async () => {
    const { page, problems } = await open(browser, report.html);
    const num = (xs: CardData[], k: string) => xs.map((d) => Number(d[k]));
    expect(num(await visibleCards(page), 'n')).toEqual([20, 15, 12, 8, 5]); // size is the default
    await page.selectOption('#sort', 'cluster');
    expect(num(await visibleCards(page), 'c')).toEqual([0, 1, 2, 3, 4]);
    await page.selectOption('#sort', 'purity');
    const pur = num(await visibleCards(page), 'pur');
    expect(pur).toEqual([...pur].sort((a, b) => b - a));
    await page.selectOption('#sort', 'confidence');
    const conf = num(await visibleCards(page), 'conf');
    expect(conf).toEqual([...conf].sort((a, b) => b - a));

    // The majority labels the test expects, computed from the truth file here, not by the page.
    const t = await truthForItems(path.join(DEMO, 'labels.csv'), run.names);
    const byCluster = new Map<number, Map<string, number>>();
    run.clusters.forEach((c, i) => {
      const m = byCluster.get(c) ?? new Map<string, number>();
      const label = t.classes[t.truth[i]];
      m.set(label, (m.get(label) ?? 0) + 1);
      byCluster.set(c, m);
    });
    const majority = new Map([...byCluster].map(([c, m]) => [c, [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0]]));
    const label = majority.get(3)!;
    const optionValue = (await page.evaluate(`[...document.getElementById('label').options].find((o) => o.text === ${JSON.stringify(label)}).value`)) as string;
    await page.selectOption('#label', optionValue);
    const shown = await visibleCards(page);
    expect(shown.map((d) => Number(d.c)).sort()).toEqual([...majority].filter(([, l]) => l === label).map(([c]) => c).sort());
    expect(await page.textContent('#shown')).toBe(`${shown.length} of 5 clusters`);
    await page.selectOption('#label', '');
    expect(await visibleCards(page)).toHaveLength(5);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('plays a clip\'s audio, and a click on a member opens its video file', async () => {
    const { page, problems } = await open(browser, report.html);
    await page.locator('.card .member button.play').first().click();
    await page.waitForFunction("(() => { const a = document.getElementById('player'); return a.error !== null || a.readyState >= 2; })()");
    const audio = (await page.evaluate("(() => { const a = document.getElementById('player'); return { error: a.error ? a.error.code : null, src: a.currentSrc, duration: a.duration }; })()")) as { error: number | null; src: string; duration: number };
    expect(audio.error).toBeNull();
    expect(audio.src).toMatch(/report-media\/[0-9a-f]{16}\.(mp3|wav)$/);
    expect(audio.duration).toBeGreaterThan(1);
    const href = await page.locator('.card .member a').first().getAttribute('href');
    const target = fileURLToPath(new URL(href!, page.url()));
    expect(target.startsWith(path.join(DEMO, 'clips'))).toBe(true);
    expect(existsSync(target)).toBe(true);
    // The nuisance attributes the demo records are on the cards.
    expect(Object.keys(nuisanceValuesForItems(path.join(DEMO, 'meta.jsonl'), run.names))).toContain('degradation');
    expect(await page.locator('.card .nui').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart').count()).toBe(3);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('stays light with 10,000 clips: capped members, lazy images, a load under 10 s', async () => {
    for (const [name, k] of [['10 clusters of 1,000', 10], ['400 clusters of 25', 400]] as const) {
      const big = syntheticRun(path.join(tmp, `big-${k}`), { rows: 10_000, clips: 60, clusterOf: (i) => i % k });
      const r = await writeReport({ run: big.dir, progress: 'quiet', say: () => undefined });
      const { page, problems, ms } = await open(browser, r.html);
      const rendered = await page.locator('.member').count();
      const lazy = await page.locator('img[loading="lazy"]').count();
      console.log(`report page, 10,000 clips in ${name}: ${(r.bytes / 1024).toFixed(0)} KB HTML, ${r.members} members on cards, ${rendered} rendered, loaded in ${ms.toFixed(0)} ms`);
      expect(await page.locator('.card').count()).toBe(k);
      expect(rendered).toBe(k * Math.min(24, 10_000 / k));
      expect(lazy).toBe(rendered);
      expect(ms).toBeLessThan(10_000);
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 300_000);
});
