/**
 * The batch flow: `selavi decode --shard i/n` into one cache, then `selavi cluster --cache` trains
 * on it without decoding again, `selavi eval` scores its clusters and `selavi assign --run` labels
 * new videos with the run's clip settings. A cache decoded with other clip flags, or with shards
 * missing, is one line and exit 2; shards decoded apart (other machines) and gathered work.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from '../media/fixtures.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let videos: string;
let cache: string;
let truth: string;
const CLIP = ['--clip-seconds', '1', '--frames', '2', '--size', '16'];
const TRAIN = ['--k', '2', '--heads', '2', '--width', '4', '--epochs', '2', '--batch-size', '4', '--label-updates', '2', '--backend', 'wasm'];
// A settled recipe (no trial runs) where the run is not the first one's: the trials are tested elsewhere.
const SETTLED = ['--augment-strength', 'light', '--no-flip', '--grey', '--video-view', 'frame'];

/** Name, size and modification time of every file in `d`: what a decode would change. */
function snapshot(d: string): string[] {
  return readdirSync(d)
    .sort()
    .map((n) => {
      const st = statSync(path.join(d, n));
      return `${n} ${st.size} ${st.mtimeMs}`;
    });
}

beforeAll(async () => {
  dir = await tempDir('selavi-batch-');
  videos = path.join(dir, 'videos');
  mkdirSync(videos);
  const rows = ['path,label'];
  await Promise.all(
    Array.from({ length: 8 }, (_, i) => {
      const name = `clip-${i}.mp4`;
      rows.push(`${name},${i % 2}`);
      return makeClip(path.join(videos, name), { seconds: 1.2, audio: i % 2 ? 3000 : 300, video: i % 2 ? 'ramp' : 'testsrc' });
    }),
  );
  writeFileSync(path.join(videos, 'notes.txt'), 'not a video');
  truth = path.join(dir, 'labels.csv');
  writeFileSync(truth, `${rows.join('\n')}\n`);
  cache = path.join(dir, 'cache');
  for (const shard of ['0/2', '1/2']) {
    const r = await runCli(['decode', videos, '--out', cache, '--shard', shard, ...CLIP]);
    expect(r.code, r.stderr).toBe(0);
  }
});

describe('decode, then cluster --cache', () => {
  it('clusters every clip of a sharded cache without decoding again, and eval and assign run on the run', async () => {
    const before = snapshot(cache);
    const run = path.join(dir, 'run');
    const r = await runCli(['cluster', '--cache', cache, '--out', run, ...CLIP, ...TRAIN]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ items: 8, skipped: 1, cache, interrupted: false });
    expect(r.stderr).toMatch(/8 clips read from the cache .*, not decoded again/);
    expect(snapshot(cache)).toEqual(before); // nothing probed, decoded or merged again
    expect(existsSync(path.join(run, 'cache'))).toBe(false);
    const rows = parse(readFileSync(path.join(run, 'clusters.csv'), 'utf8'), { columns: true }) as { path: string; cluster: string }[];
    expect(rows.map((row) => path.basename(row.path)).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `clip-${i}.mp4`));
    expect(readFileSync(path.join(run, 'skipped.csv'), 'utf8')).toMatch(/notes\.txt,not a video file by its extension \(\.txt\)/);
    expect(JSON.parse(readFileSync(path.join(run, 'clips.json'), 'utf8'))).toMatchObject({ cache, clips: 8, options: { frames: 2, size: 16, clipSeconds: 1 } });

    const scored = await runCli(['eval', path.join(run, 'clusters.csv'), '--truth', truth]);
    expect(scored.code, scored.stderr).toBe(0);
    expect(JSON.parse(scored.stdout)).toMatchObject({ n: 8, matched: 8 });

    // assign decodes new videos with the run's clip settings (from clips.json: there is no RUN/cache).
    const out = path.join(dir, 'assigned.csv');
    const assigned = await runCli(['assign', videos, '--run', run, '--out', out]);
    expect(assigned.code, assigned.stderr).toBe(0);
    expect(JSON.parse(assigned.stdout)).toMatchObject({ clips: 8, skipped: 1 });
  });

  it('refuses a cache decoded with other clip flags, in one line naming both', async () => {
    const r = await runCli(['cluster', '--cache', cache, '--out', path.join(dir, 'run-defaults'), ...TRAIN]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--cache .*: decoded with --clip-seconds 1 --frames 2 --size 16, this run asks for --clip-seconds 2 --frames 4 --size 32/);
  });

  it('refuses a cache with a shard missing, and trains once the shard is gathered from elsewhere', async () => {
    // Shard 1 decoded on "another machine" into its own folder, then copied beside shard 0.
    const elsewhere = path.join(dir, 'elsewhere');
    const r1 = await runCli(['decode', videos, '--out', elsewhere, '--shard', '1/2', ...CLIP]);
    expect(r1.code, r1.stderr).toBe(0);
    const gathered = path.join(dir, 'gathered');
    mkdirSync(gathered);
    for (const n of readdirSync(cache).filter((n) => n.startsWith('shard-0000-of-0002'))) copyFileSync(path.join(cache, n), path.join(gathered, n));
    const partial = await runCli(['cluster', '--cache', gathered, '--out', path.join(dir, 'run-partial'), ...CLIP, ...TRAIN]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/--cache .*gathered: shard 1 of 2 not decoded yet/);

    for (const n of readdirSync(elsewhere).filter((n) => n.startsWith('shard-0001-of-0002'))) copyFileSync(path.join(elsewhere, n), path.join(gathered, n));
    const r = await runCli(['cluster', '--cache', gathered, '--out', path.join(dir, 'run-gathered'), ...CLIP, ...TRAIN, ...SETTLED, '--epochs', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ items: 8, skipped: 1 });
  });

  it('asks for videos or a cache, and decodes into a new --cache folder', async () => {
    const none = await runCli(['cluster', '--out', path.join(dir, 'run-none'), ...TRAIN]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give a folder of videos, or --cache DIR/);
    const fresh = path.join(dir, 'fresh-cache');
    const r = await runCli(['cluster', videos, '--cache', fresh, '--out', path.join(dir, 'run-fresh'), ...CLIP, ...TRAIN, ...SETTLED, '--epochs', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/8 clips decoded/);
    expect(existsSync(path.join(fresh, 'index.json'))).toBe(true);
  });
});
