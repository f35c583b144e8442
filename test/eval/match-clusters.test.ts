import { describe, expect, it } from 'vitest';
import { matchClusters } from '../../src/eval/match-clusters.js';
import { parseClusters } from '../../src/eval/read-clusters.js';
import { parseTruth } from '../../src/eval/read-truth.js';

const clusters = (...paths: string[]) =>
  parseClusters(`path,cluster\n${paths.map((p, i) => `${p},${i}`).join('\n')}\n`, 'clusters.csv');

describe('matchClusters', () => {
  it('prefers the exact path, then the file name, and counts unmatched rows on both sides', () => {
    const truth = parseTruth('path,label\na/x.mp4,1\nb/y.mp4,2\nc/z.mp4,3\n', 't.csv');
    const m = matchClusters(clusters('./a/x.mp4', 'other/y.mp4', 'w.mp4'), truth);
    expect(Array.from(m.truthIndex)).toEqual([0, 1, -1]);
    expect(m.matchedBy).toEqual({ path: 1, basename: 1, youtube: 0 });
    expect([m.matched, m.unmatchedClusters, m.unmatchedTruth]).toEqual([2, 1, 1]);
  });

  it('leaves a row unresolved when its file name fits several truth paths', () => {
    const truth = parseTruth('path,label\na/x.mp4,1\nb/x.mp4,2\n', 't.csv');
    const m = matchClusters(clusters('c/x.mp4', 'a/x.mp4'), truth);
    expect([m.matched, m.unresolved, m.unmatchedClusters]).toEqual([1, 1, 0]);
  });

  it('does not match by YouTube id for a generic CSV', () => {
    const truth = parseTruth('path,label\nglLQrEijrKg.mp4,1\n', 't.csv');
    expect(matchClusters(clusters('glLQrEijrKg_000300.mp4'), truth).matched).toBe(0);
  });

  it('matches VGG-Sound full-list rows by id and start second, not by id alone', () => {
    const truth = parseTruth('glLQrEijrKg,300,organ,test\nglLQrEijrKg,30,organ2,test\n', 'v.csv');
    const m = matchClusters(clusters('x/glLQrEijrKg_000030.mp4', 'y/glLQrEijrKg_000050.mp4'), truth);
    expect(Array.from(m.truthIndex)).toEqual([1, -1]);
    expect([m.matched, m.unmatchedClusters, m.matchedBy.youtube]).toEqual([1, 1, 1]);
  });

  it('matches a name without a start only when its video is listed once', () => {
    const once = parseTruth('glLQrEijrKg,300,organ,test\n', 'v.csv');
    expect(matchClusters(clusters('glLQrEijrKg.mp4'), once).matched).toBe(1);
    const twice = parseTruth('glLQrEijrKg,300,organ,test\nglLQrEijrKg,30,organ,test\n', 'v.csv');
    expect(matchClusters(clusters('glLQrEijrKg.mp4'), twice).unresolved).toBe(1);
  });

  it('matches AVE whole videos by id whether or not the file name carries a start', () => {
    const truth = parseTruth('Bark&-9R4WPSKE3Q&good&3&7\n', 'ave.txt');
    const m = matchClusters(clusters('ave/-9R4WPSKE3Q.mp4', 'cut/-9R4WPSKE3Q_000003.mp4'), truth);
    expect([m.matched, m.unmatchedTruth]).toEqual([2, 0]);
  });

  it('excludes rows whose clip has conflicting labels and counts them', () => {
    const truth = parseTruth('Ukulele&-1qyr-IzqKY&good&0&10\nAccordion&-1qyr-IzqKY&good&0&10\nBark&RUhOCu3LNXM&good&0&10\n', 'ave.txt');
    const m = matchClusters(clusters('-1qyr-IzqKY.mp4', 'RUhOCu3LNXM.mp4'), truth);
    expect(Array.from(m.truthIndex)).toEqual([-1, 0]);
    expect([m.matched, m.excludedAmbiguous, m.unmatchedClusters, m.unmatchedTruth]).toEqual([1, 1, 0, 0]);
  });
});
