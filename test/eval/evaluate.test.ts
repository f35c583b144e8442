import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { evaluate } from '../../src/eval/evaluate.js';
import { parseClusters, readClusters } from '../../src/eval/read-clusters.js';
import { parseTruth, readTruth } from '../../src/eval/read-truth.js';
import { runEval } from '../../src/eval/run-eval.js';
import { inputError } from './input-error.js';
import { fixture, sharedFile } from './paths.js';

/** Every clusters row lands in exactly one bucket. */
function expectAccounted(r: ReturnType<typeof evaluate>): void {
  expect(r.matched + r.unmatched_clusters + r.excluded_ambiguous + r.unresolved).toBe(r.n);
}

describe('evaluate', () => {
  it('scores VGG-Sound split names matched by file name, and reports the unmatched rows', async () => {
    const r = await runEval({ clusters: fixture('clusters-vggsound.csv'), truth: fixture('vggsound-split.csv') });
    expectAccounted(r);
    expect(r).toMatchObject({ n: 5, matched: 4, unmatched_clusters: 1, unmatched_truth: 1, ambiguous: 0, format: 'vggsound', layout: 'vggsound-split' });
    expect(r.matched_by).toEqual({ path: 0, basename: 4, youtube: 0 });
    // Truth [organ, parrot, heart, heart] vs clusters [0, 1, 1, 2]: each cluster gets one sample right.
    expect([r.accuracy, r.purity]).toEqual([0.75, 0.75]);
    expect([r.classes, r.clusters]).toEqual([3, 3]);
  });

  it('scores the same clips against the full VGG-Sound list by YouTube id and start', async () => {
    const r = await runEval({ clusters: fixture('clusters-vggsound.csv'), truth: fixture('vggsound-full.csv') });
    expect(r).toMatchObject({ matched: 4, unmatched_clusters: 1, accuracy: 0.75, layout: 'vggsound-full' });
    expect(r.matched_by.youtube).toBe(4);
  });

  it('gives 1 everywhere for Kinetics clips named ID_START6_END6 that agree with the truth', async () => {
    const r = await runEval({ clusters: fixture('clusters-kinetics.csv'), truth: fixture('kinetics.csv') });
    expect(r).toMatchObject({ n: 4, matched: 4, nmi: 1, ami: 1, ari: 1, accuracy: 1, purity: 1, entropy: 0, format: 'kinetics' });
  });

  it('excludes the AVE clip with two labels and says so', async () => {
    const r = await runEval({ clusters: fixture('clusters-ave.csv'), truth: fixture('ave-header.txt') });
    expectAccounted(r);
    expect(r).toMatchObject({
      n: 5, matched: 3, ambiguous: 1, excluded_ambiguous: 1, unmatched_clusters: 1, unmatched_truth: 0, duplicate_truth_rows: 1,
      nmi: 1, ami: 1, ari: 1, accuracy: 1, format: 'ave', layout: 'ave-header',
    });
  });

  it('matches generic CSV paths exactly or by file name; ARI is 0 for this split, by hand', async () => {
    const r = await runEval({ clusters: fixture('clusters-generic.csv'), truth: fixture('truth-generic.csv'), format: 'csv' });
    expect(r.matched_by).toEqual({ path: 2, basename: 2, youtube: 0 });
    // cat: [2 in c3, 0 in c7], dog: [1, 1]. Σ C(n_ij,2) = 1; Σ C(a,2) = 2; Σ C(b,2) = 3; E = 2·3/6 = 1.
    // ARI = (1 - 1) / (5/2 - 1) = 0. Accuracy: c3 -> cat (2), c7 -> dog (1) = 3/4.
    expect(r).toMatchObject({ n: 5, matched: 4, unmatched_clusters: 1, ari: 0, accuracy: 0.75, purity: 0.75 });
  });

  it('throws when no row matches, naming the clusters file and showing both sides', async () => {
    await expect(runEval({ clusters: fixture('clusters-nomatch.csv'), truth: fixture('vggsound-split.csv') })).rejects.toThrow(
      /clusters-nomatch\.csv: no row matches a labelled clip of .*vggsound-split\.csv \(vggsound-split\): e\.g\. path "nothing\/here\.mp4" vs truth "glLQrEijrKg_000300\.mp4"/,
    );
  });

  it('throws when the only matches are ambiguous clips', () => {
    const truth = parseTruth('A&abcdefghijk&good&0&10\nB&abcdefghijk&good&0&10\n', 'ave.txt');
    const err = inputError(() => evaluate(parseClusters('path,cluster\nabcdefghijk.mp4,0\n', 'c.csv'), truth));
    expect(err.message).toMatch(/^c\.csv: no row matches a labelled clip of ave\.txt \(ave\) \(1 matched clips with conflicting labels\)/);
  });

  it('reads the truth first, so an unknown --format is reported before the clusters file is opened', async () => {
    await expect(runEval({ clusters: fixture('no-such.csv'), truth: fixture('kinetics.csv'), format: 'ucf' })).rejects.toThrow(
      /kinetics\.csv: unknown format "ucf"/,
    );
  });
});

describe('evaluate on the real benchmark files (../shared/formats)', () => {
  const vgg = sharedFile('vggsound-test.csv');
  const ave = sharedFile('ave-annotations.txt');

  it.skipIf(!vgg)('scores a perfect clustering of the VGG-Sound test split as 1 (all 15,446 clips)', async () => {
    const truth = await readTruth(vgg!);
    const cluster = new Map([...new Set(truth.clips.map((c) => c.label))].map((label, k) => [label, k]));
    const text = `path,cluster\n${truth.clips.map((c) => `/data/vggsound/${c.path},${cluster.get(c.label)}`).join('\n')}\n`;
    const r = evaluate(parseClusters(text, 'clusters.csv'), truth);
    expect(r).toMatchObject({ n: 15446, matched: 15446, classes: 309, clusters: 309, nmi: 1, ami: 1, ari: 1, accuracy: 1, purity: 1, entropy: 0 });
  });

  it.skipIf(!ave)('excludes the 45 ambiguous AVE videos and scores the other 4,052', async () => {
    const ids = [...new Set(readFileSync(ave!, 'utf8').split('\n').filter(Boolean).map((l) => l.split('&')[1]))];
    expect(ids).toHaveLength(4097);
    // One cluster per video: every clip is its own cluster, so purity is 1 and accuracy is 28/4052.
    const text = `path,cluster\n${ids.map((id, i) => `AVE/${id}.mp4,${i}`).join('\n')}\n`;
    const r = evaluate(parseClusters(text, 'clusters.csv'), await readTruth(ave!));
    expect(r).toMatchObject({ n: 4097, matched: 4052, ambiguous: 45, excluded_ambiguous: 45, unmatched_clusters: 0, unmatched_truth: 0, purity: 1 });
    expect(r.accuracy).toBeCloseTo(28 / 4052, 15);
    expect(r.ami).toBeCloseTo(0, 12); // all singletons against 28 classes: MI = H(truth) = E[MI]
  });

  it.skipIf(!vgg)('finds the fixture clips that are real VGG-Sound test clips and counts the rest', async () => {
    const t = await readClusters(fixture('clusters-vggsound.csv'));
    const r = evaluate(t, await readTruth(vgg!));
    // glLQrEijrKg_000300, LDoXsip0BEQ_000177 and ---g-f_I2yQ_000001 are in the real split; the other two are made up.
    expect([r.matched, r.unmatched_clusters, r.unmatched_truth]).toEqual([3, 2, 15443]);
  });
});
