/**
 * The README's VGG-Sound workflow end to end on a tiny fixture laid out like the dataset: clips
 * named `YTID_START6.mp4` with real ids and starts from the VGG-Sound test split (ids starting
 * with `-` / `_`, an id with `_` inside, one id at two starts, a label with commas), each class
 * drawn with its own lavfi pattern and beating tone. `selavi cluster --truth` with the full list
 * `YTID,START,label,split` must match by YouTube id + start, count the rows that match nothing,
 * and agree with `selavi eval` on its clusters.csv; the split-file layout must match the same clips.
 */
import { tinyTrain } from '../helpers/tiny-train.js';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locate } from '../../src/media/ffmpeg-path.js';
import { runCluster, type ClusterJob, type RunSummary } from '../../src/pipeline/run-cluster.js';
import { runCli } from '../helpers/run-cli.js';
import { repoRoot } from '../eval/paths.js';

const run = promisify(execFile);
// The real list beside the project (../shared/formats), as on every machine and in CI.
const REAL_LIST = path.resolve(repoRoot, '../shared/formats/vggsound-test.csv');

interface Clip {
  id: string;
  start: number;
  label: string;
}

/**
 * Class index -> label, lavfi video source, tone (Hz) and the rate (Hz) its loudness beats at. The
 * model subtracts each mel bin's mean over time, which erases a steady tone: the beat keeps it visible.
 */
const CLASSES = [
  { label: 'pigeon, dove cooing', video: 'testsrc', tone: 300, beat: 3 },
  { label: 'playing cornet', video: 'smptebars', tone: 1200, beat: 5 },
  { label: 'gibbon howling', video: 'rgbtestsrc', tone: 3500, beat: 8 },
] as const;

/** In the folder and the truth list: 4 clips per class, rows of the real VGG-Sound test split. */
const LISTED: (Clip & { cls: number })[] = [
  { cls: 0, id: '-2Dm0VjW8oM', start: 1 },
  { cls: 0, id: 'jna6r3skNeg', start: 180 },
  { cls: 0, id: 'Rg971GlT_Ro', start: 21 },
  { cls: 0, id: 'Qsd19T8rN_8', start: 190 }, // `_8` then `_000190`: the id is the first 11 characters
  { cls: 1, id: '-Y-UegG9tLw', start: 282 },
  { cls: 1, id: '_cES7Twcq18', start: 6 },
  { cls: 1, id: '-GOaBCyC5Js', start: 113 }, // the same video at second 87 is listed only (below)
  { cls: 1, id: 'DC2q5iyvKFM', start: 60 },
  { cls: 2, id: '_z72jRCSaeE', start: 134 }, // and at second 80, listed only
  { cls: 2, id: '-7sg--aJdrc', start: 39 },
  { cls: 2, id: '-JUhUI_KvUI', start: 26 },
  { cls: 2, id: 'wOzgCyoi9l8', start: 6 },
].map((c) => ({ ...c, label: CLASSES[c.cls].label }));

/** In the truth list only: must be counted as `unmatched_truth`. */
const TRUTH_ONLY: Clip[] = [
  { id: '-GOaBCyC5Js', start: 87, label: 'playing cornet' },
  { id: '_z72jRCSaeE', start: 80, label: 'gibbon howling' },
  { id: 'Ucr3WFZk6sM', start: 20, label: 'pigeon, dove cooing' },
];

/** In the folder only (a real helicopter clip, drawn like class 0): must be `unmatched_clusters`. */
const FOLDER_ONLY: Clip & { cls: number } = { cls: 0, id: '-ocADGlyaHc', start: 30, label: 'helicopter' };

const clipName = (c: Clip): string => `${c.id}_${String(c.start).padStart(6, '0')}.mp4`;
const quoted = (label: string): string => (label.includes(',') ? `"${label}"` : label);

const root = mkdtempSync(path.join(os.tmpdir(), 'selavi-vggsound-'));
const videos = path.join(root, 'vggsound', 'test');
const fullList = path.join(root, 'vggsound.csv');
const splitList = path.join(root, 'test.csv');
const out = path.join(root, 'runs', 'vgg');

const tinyTrainConfig = tinyTrain(CLASSES.length, { epochs: 16 });

/** Writes the clips, two ffmpeg processes at a time (the machine has two cores). */
async function makeClips(): Promise<void> {
  mkdirSync(videos, { recursive: true });
  const ff = locate('ffmpeg').path;
  const all = [...LISTED, FOLDER_ONLY];
  const one = async (c: (typeof all)[number], i: number): Promise<void> => {
    const { video, tone, beat } = CLASSES[c.cls];
    // Absolute output path: a relative `-2Dm0VjW8oM_000001.mp4` would read as an ffmpeg option.
    await run(ff, [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `${video}=size=32x32:rate=8:duration=1.2`,
      '-f', 'lavfi', '-i', `aevalsrc=exprs='sin(2*PI*${tone + 15 * (i % 4)}*t)*(0.6+0.4*sin(2*PI*${beat}*t))':s=16000:d=1.2`,
      '-shortest', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac',
      path.join(videos, clipName(c)),
    ]);
  };
  for (let i = 0; i < all.length; i += 2) await Promise.all(all.slice(i, i + 2).map((c, j) => one(c, i + j)));
}

let summary: RunSummary;

beforeAll(async () => {
  // The fixture's ids and labels are real rows: fail (never skip) when the list is missing.
  expect(existsSync(REAL_LIST), `${REAL_LIST} (the real VGG-Sound test split) is needed`).toBe(true);
  const real = new Set(readFileSync(REAL_LIST, 'utf8').split('\n').map((l) => l.replace(/\r$/, '')));
  for (const c of [...LISTED, ...TRUTH_ONLY, FOLDER_ONLY]) expect(real, clipName(c)).toContain(`${clipName(c)},${quoted(c.label)}`);

  await makeClips();
  // Full list `YTID,START,label,split`, as vggsound.csv ships: listed clips interleaved with truth-only ones.
  // The first line (`-2Dm0VjW8oM,1,"pigeon, dove cooing",test`) starts with `-` and has a quoted comma: detection reads it.
  const full = [...LISTED.slice(0, 6), ...TRUTH_ONLY, ...LISTED.slice(6)];
  writeFileSync(fullList, full.map((c) => `${c.id},${c.start},${quoted(c.label)},test`).join('\n') + '\n');
  // Split file `YTID_START6.mp4,label`, as test.csv ships (CRLF line ends, like the real file).
  writeFileSync(splitList, full.map((c) => `${clipName(c)},${quoted(c.label)}`).join('\r\n') + '\r\n');

  const job: ClusterJob = {
    videos,
    out,
    truth: fullList,
    train: tinyTrainConfig,
    decode: { frames: 2, size: 16, clipSeconds: 1, melBins: 16, hopMs: 20, concurrency: 2 } as ClusterJob['decode'],
    resume: false,
    backend: 'wasm',
    say: () => undefined,
  };
  summary = await runCluster(job);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('VGG-Sound layout (README workflow, tiny)', () => {
  it('selavi cluster --truth vggsound.csv matches by YouTube id + start and counts what matches nothing', () => {
    expect(summary.items).toBe(LISTED.length + 1);
    expect(summary.skipped).toBe(0);
    const names = readFileSync(summary.clusters, 'utf8').trim().split('\n').slice(1).map((l) => path.basename(l.split(',')[0]));
    expect(names.sort()).toEqual([...LISTED, FOLDER_ONLY].map(clipName).sort());
    const m = summary.metrics!;
    expect(m).toMatchObject({
      n: LISTED.length + 1,
      matched: LISTED.length,
      matched_by: { path: 0, basename: 0, youtube: LISTED.length },
      format: 'vggsound',
      layout: 'vggsound-full',
      unmatched_clusters: 1,
      unmatched_truth: TRUTH_ONLY.length,
      unresolved: 0,
      ambiguous: 0,
      excluded_ambiguous: 0,
      duplicate_truth_rows: 0,
      classes: CLASSES.length,
      clusters: CLASSES.length,
    });
    expect(m.nmi).toBe(1);
    expect(m.accuracy).toBe(1);
    const onDisk = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(onDisk).toMatchObject(m);
  });

  it('selavi eval on clusters.csv with the same list prints what metrics.json says', async () => {
    const r = await runCli(['eval', summary.clusters, '--truth', fullList]);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const { head, head_rule, answer_rule, ...metrics } = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(head).toBe(summary.head);
    expect(head_rule).toBe('max-modality-agreement'); // audio + video
    expect(answer_rule).toBe('heads'); // videos answer with their heads
    expect(printed).toEqual(metrics);
    // The caveats go to stderr, with the counts.
    expect(r.stderr).toContain(`clusters rows without a truth label: 1 of ${LISTED.length + 1}`);
    expect(r.stderr).toContain(`truth clips missing from the clusters file: ${TRUTH_ONLY.length}`);
  });

  it('the split-file layout YTID_START6.mp4,label matches the same clips', async () => {
    const full = JSON.parse((await runCli(['eval', summary.clusters, '--truth', fullList])).stdout);
    const r = await runCli(['eval', summary.clusters, '--truth', splitList]);
    expect(r.code, r.stderr).toBe(0);
    const split = JSON.parse(r.stdout);
    expect(split).toMatchObject({ format: 'vggsound', layout: 'vggsound-split', matched: LISTED.length });
    expect(split.matched_by.path + split.matched_by.basename + split.matched_by.youtube).toBe(LISTED.length);
    const { matched_by: _a, layout: _b, ...rest } = full;
    const { matched_by: _c, layout: _d, ...splitRest } = split;
    expect(splitRest).toEqual(rest);
  });
});
