import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRunSources } from '../../src/report/run-sources.js';
import { reportAfterRun, reportPathsOf, writeReport } from '../../src/report/write-report.js';
import { solidPng } from '../helpers/solid-png.js';

/** The JSON block the page's script builds the cards from. */
function pageData(html: string): { kind: string; labels: string[]; cards: { c: number; n: number; maj: number; pur: number | null; m: unknown[][] }[] } {
  const text = readFileSync(html, 'utf8');
  return JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(text)![1]);
}

describe('writeReport / reportAfterRun', () => {
  let dir: string;
  const says: string[] = [];
  const say = (line: string) => void says.push(line);
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'selavi-report-unit-'));
    says.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the page and its media folder after the CSV', () => {
    expect(reportPathsOf('/r/clusters.csv')).toEqual({ html: '/r/report.html', media: '/r/report-media' });
    expect(reportPathsOf('/r/more.csv')).toEqual({ html: '/r/more.report.html', media: '/r/more.report-media' });
    expect(reportPathsOf('/r/clusters.csv', '/x/page.html')).toEqual({ html: '/x/page.html', media: '/x/page-media' });
  });

  it('an image run: records its sources, shows each image itself, majority label and purity from truth', async () => {
    const images = path.join(dir, 'images');
    const rows: string[] = [];
    const truth: string[] = [];
    for (let i = 0; i < 6; i++) {
      solidPng(path.join(images, `im${i}.png`), 4, 4, [i * 40, 0, 0, 255]);
      rows.push(`im${i}.png,${i < 4 ? 0 : 1},0.${9 - i}`);
      truth.push(`im${i}.png,${i < 3 ? 'red' : 'blue'}`);
    }
    const run = path.join(dir, 'run');
    writeFileSync(path.join(dir, 'truth.csv'), `path,label\n${truth.join('\n')}\n`);
    const csv = path.join(run, 'clusters.csv');
    mkdirSync(run);
    writeFileSync(csv, `path,cluster,confidence\n${rows.join('\n')}\n`);
    const html = await reportAfterRun(csv, { items: { kind: 'images', path: images }, truth: path.join(dir, 'truth.csv'), progress: 'quiet', say });
    expect(html).toBe(path.join(run, 'report.html'));
    expect(readRunSources(csv)).toMatchObject({ items: { kind: 'images', path: images }, truth: path.join(dir, 'truth.csv') });
    const data = pageData(html!);
    expect(data.kind).toBe('images');
    expect(data.labels).toEqual(['blue', 'red']);
    expect(data.cards.map((c) => [c.c, c.n, data.labels[c.maj], c.pur])).toEqual([[0, 4, 'red', 0.75], [1, 2, 'blue', 1]]);
    expect(data.cards[0].m).toHaveLength(4);
    expect(data.cards[0].m[0].slice(1, 3)).toEqual(['im0.png', '']); // no media file: the image itself
    expect(says.join('\n')).toMatch(/^report: .*report\.html \(2 clusters, 6 members shown/);
  });

  it("names the run's head rule from model.json when there is no metrics.json (a run without truth)", async () => {
    const images = path.join(dir, 'images');
    for (let i = 0; i < 2; i++) solidPng(path.join(images, `im${i}.png`), 4, 4, [i * 90, 0, 0, 255]);
    const run = path.join(dir, 'run');
    mkdirSync(path.join(run, 'model'), { recursive: true });
    writeFileSync(path.join(run, 'model', 'model.json'), JSON.stringify({ head: 1, head_rule: 'max-modality-agreement' }));
    const csv = path.join(run, 'clusters.csv');
    writeFileSync(csv, 'path,cluster,confidence\nim0.png,0,0.9\nim1.png,1,0.8\n');
    const html = await reportAfterRun(csv, { items: { kind: 'images', path: images }, progress: 'quiet', say });
    const text = readFileSync(html!, 'utf8');
    expect(text).toContain('answer: head 1 (the head whose video and audio answers agree most; never chosen by truth)');
    // A run saved before the rule was recorded used the consensus rule.
    writeFileSync(path.join(run, 'model', 'model.json'), JSON.stringify({ head: 0 }));
    const older = readFileSync((await reportAfterRun(csv, { items: { kind: 'images', path: images }, progress: 'quiet', say }))!, 'utf8');
    expect(older).toContain('answer: head 0 (the head that agrees most with the others; never chosen by truth)');
    // A run that answers with its heads' sum says which heads were summed.
    writeFileSync(path.join(run, 'model', 'model.json'), JSON.stringify({ head: 2, head_rule: 'max-modality-agreement', answer: { heads: [2, 0, 1], permutations: [] } }));
    const summed = readFileSync((await reportAfterRun(csv, { items: { kind: 'images', path: images }, progress: 'quiet', say }))!, 'utf8');
    expect(summed).toContain('never chosen by truth), with heads 0, 1 matched onto it and summed');
  });

  it('an IDX run: one PNG per member shown, truth from the labels file', async () => {
    const n = 5;
    const img = Buffer.alloc(16 + n * 4);
    img.writeUInt32BE(0x803, 0);
    img.writeUInt32BE(n, 4);
    img.writeUInt32BE(2, 8);
    img.writeUInt32BE(2, 12);
    const lab = Buffer.alloc(8 + n);
    lab.writeUInt32BE(0x801, 0);
    lab.writeUInt32BE(n, 4);
    for (let i = 0; i < n; i++) lab[8 + i] = i % 2;
    writeFileSync(path.join(dir, 'x-images-idx3-ubyte.gz'), gzipSync(img));
    writeFileSync(path.join(dir, 'x-labels-idx1-ubyte.gz'), gzipSync(lab));
    const csv = path.join(dir, 'clusters.csv');
    writeFileSync(csv, `path,cluster,confidence\n${Array.from({ length: n }, (_, i) => `idx:${i},${i % 2},0.5`).join('\n')}\n`);
    await reportAfterRun(csv, { items: { kind: 'idx', path: path.join(dir, 'x-images-idx3-ubyte.gz'), labels: path.join(dir, 'x-labels-idx1-ubyte.gz') }, progress: 'quiet', say });
    const data = pageData(path.join(dir, 'report.html'));
    expect(data.cards.map((c) => c.pur)).toEqual([1, 1]);
    for (let i = 0; i < n; i++) expect(existsSync(path.join(dir, 'report-media', `idx-${i}.png`))).toBe(true);
    // A second report of a run reads the recorded sources.
    const again = await writeReport({ run: dir, progress: 'quiet', say });
    expect(again).toMatchObject({ items: 5, clusters: 2, members: 5, missing: 0 });
  });

  it('never fails the run: a report that cannot be made is one line', async () => {
    const csv = path.join(dir, 'clusters.csv');
    writeFileSync(csv, 'path,cluster\nidx:0,0\n'); // IDX rows, but no IDX file recorded
    expect(await reportAfterRun(csv, { progress: 'quiet', say })).toBeUndefined();
    expect(says).toEqual([expect.stringMatching(/^report: not written: .*IDX/)]);
    expect(readRunSources(csv)).toEqual({ cwd: process.cwd() });
    expect(await reportAfterRun(csv, { report: false, say })).toBeUndefined();
  });
});
