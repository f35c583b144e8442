/**
 * Pairs each row of a clusters file with a clip of the truth file. In order of preference:
 * 1. the exact path (after turning `\` into `/` and dropping a leading `./`);
 * 2. the file name alone (a truth list rarely has the same directories as the clusters file);
 * 3. for the YouTube formats (VGG-Sound, Kinetics, AVE), the YouTube id parsed from the file
 *    name plus its start second when the name has one (`ID_000030.mp4`, `ID_000030_000040.mp4`);
 *    the id alone when the truth clip or the name has no start (AVE clips are whole videos).
 * A key that fits several truth clips decides nothing: the row is counted as unresolved.
 */
import { baseName, normalizePath, parseClipName } from './clip-name.js';
import type { ClusterTable } from './read-clusters.js';
import type { TruthTable } from './read-truth.js';

/** Where each clusters row landed, with every count the report needs. */
export interface MatchResult {
  /** Per clusters row: index into `truth.clips`, or -1 when not scored. */
  truthIndex: Int32Array;
  /** Rows paired with a clip that has one label: the scored rows. */
  matched: number;
  /** Rows for which the truth file has no clip. */
  unmatchedClusters: number;
  /** Rows whose clip has conflicting labels in the truth file (excluded from scoring). */
  excludedAmbiguous: number;
  /** Rows whose name fits more than one truth clip (e.g. an id listed with several starts). */
  unresolved: number;
  /** Clips with one label that no row matched. */
  unmatchedTruth: number;
  /** How the matched and excluded rows were found. */
  matchedBy: { path: number; basename: number; youtube: number };
}

const SEVERAL = -1;
const YOUTUBE_FORMATS = new Set(['vggsound', 'kinetics', 'ave']);

/** Adds `key -> entry`, marking keys that several entries share. */
function add(index: Map<string, number>, key: string, entry: number): void {
  const known = index.get(key);
  index.set(key, known === undefined || known === entry ? entry : SEVERAL);
}

/**
 * Matches `clusters` rows to `truth` clips (see the file comment for the rules).
 * @example
 * const m = matchClusters(parseClusters('path,cluster\nx/ID_________000030.mp4,0\n', 'c.csv'), truth);
 * // m.truthIndex[0] is the clip with YouTube id `ID_________` starting at second 30
 */
export function matchClusters(clusters: ClusterTable, truth: TruthTable): MatchResult {
  // Entries 0..clips-1 are the scorable clips, the rest the ambiguous ones.
  const entries = [...truth.clips, ...truth.ambiguousClips];
  const byPath = new Map<string, number>();
  const byBase = new Map<string, number>();
  const byClip = new Map<string, number>();
  const byVideo = new Map<string, number>(); // clips that are whole videos (no start), by id
  const byId = new Map<string, number>(); // clips with a start, by id alone
  entries.forEach((clip, e) => {
    if (clip.path !== undefined) {
      add(byPath, normalizePath(clip.path), e);
      add(byBase, baseName(clip.path), e);
    }
    if (clip.id !== undefined) {
      if (clip.start === undefined) add(byVideo, clip.id, e);
      else {
        add(byClip, `${clip.id}@${clip.start}`, e);
        add(byId, clip.id, e);
      }
    }
  });
  const youtube = YOUTUBE_FORMATS.has(truth.format);

  const truthIndex = new Int32Array(clusters.paths.length).fill(-1);
  const used = new Uint8Array(truth.clips.length);
  const counts = { matched: 0, unmatchedClusters: 0, excludedAmbiguous: 0, unresolved: 0 };
  const matchedBy = { path: 0, basename: 0, youtube: 0 };
  clusters.paths.forEach((p, row) => {
    let entry = byPath.get(normalizePath(p));
    let how: keyof typeof matchedBy = 'path';
    if (entry === undefined) {
      entry = byBase.get(baseName(p));
      how = 'basename';
    }
    if (entry === undefined && youtube) {
      how = 'youtube';
      const clip = parseClipName(p);
      if (clip) {
        if (clip.start !== undefined) entry = byClip.get(`${clip.id}@${clip.start}`);
        entry ??= byVideo.get(clip.id);
        // A name without a start fits any clip of its video, so only a video listed once.
        if (clip.start === undefined) entry ??= byId.get(clip.id);
      }
    }
    if (entry === undefined) counts.unmatchedClusters += 1;
    else if (entry === SEVERAL) counts.unresolved += 1;
    else {
      matchedBy[how] += 1;
      if (entry >= truth.clips.length) counts.excludedAmbiguous += 1;
      else {
        counts.matched += 1;
        truthIndex[row] = entry;
        used[entry] = 1;
      }
    }
  });
  const unmatchedTruth = used.length - used.reduce((s, u) => s + u, 0);
  return { truthIndex, ...counts, unmatchedTruth, matchedBy };
}
