/** `selavi eval` end to end, in-process: a yargs parser with only this command, stdout captured. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { InputError, UserError } from '../../src/errors.js';
import { fixture } from './paths.js';

/** Runs `argv` like the CLI does (errors thrown, never printed) and returns what it wrote. */
async function run(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  await yargs(argv)
    .command(evalCommand)
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(msg);
    })
    .parseAsync();
  vi.restoreAllMocks();
  return { stdout, stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('selavi eval', () => {
  it('prints one JSON object with the metrics first and the counts after', async () => {
    const { stdout } = await run(['eval', fixture('clusters-vggsound.csv'), '--truth', fixture('vggsound-split.csv')]);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(stdout);
    expect(Object.keys(report).slice(0, 8)).toEqual(['n', 'matched', 'nmi', 'ami', 'ari', 'accuracy', 'purity', 'entropy']);
    expect(report).toMatchObject({ n: 5, matched: 4, unmatched_clusters: 1, unmatched_truth: 1, format: 'vggsound', accuracy: 0.75 });
  });

  it('notes excluded and unmatched rows on stderr, one line each', async () => {
    const { stdout, stderr } = await run(['eval', fixture('clusters-ave.csv'), '--truth', fixture('ave-no-header.txt'), '--format', 'ave']);
    expect(JSON.parse(stdout)).toMatchObject({ ambiguous: 1, excluded_ambiguous: 1, format: 'ave', layout: 'ave' });
    expect(stderr.trim().split('\n')).toEqual([
      'selavi eval: truth clips with conflicting labels: 1, excluded from scoring (1 clusters rows not scored)',
      'selavi eval: clusters rows without a truth label: 1 of 5, not scored',
    ]);
  });

  it('throws an InputError naming the truth file when --format is unknown', async () => {
    const err = await run(['eval', fixture('clusters-kinetics.csv'), '--truth', fixture('kinetics.csv'), '--format', 'ucf101']).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/kinetics\.csv: unknown format "ucf101": use auto, csv, vggsound, kinetics, ave$/);
  });

  it('throws an InputError for a clusters file without a cluster column', async () => {
    const err = await run(['eval', fixture('clusters-no-cluster.csv'), '--truth', fixture('kinetics.csv')]).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.file).toBe(fixture('clusters-no-cluster.csv'));
  });

  it('throws an InputError when nothing matches', async () => {
    const err = await run(['eval', fixture('clusters-nomatch.csv'), '--truth', fixture('truth-generic.csv')]).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('no row matches');
  });

  it('throws a UserError when --truth is missing', async () => {
    const err = await run(['eval', fixture('clusters-kinetics.csv')]).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/truth/);
  });
});
