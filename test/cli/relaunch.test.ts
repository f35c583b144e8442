/**
 * The long commands' relaunch with malloc on huge pages (src/cli/relaunch.ts): the decision, case
 * by case, and where this machine allows it, the relaunch itself (the same pid, the tunable set, the
 * exit status and the one-line error kept).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../src/engine/native-addon.js';
import { hugePageStatus, hugePageTunables, relaunchWithHugePages, type RelaunchFacts } from '../../src/cli/relaunch.js';

const MADVISE = 'always [madvise] never\n';
const facts = (over: Partial<RelaunchFacts> = {}): RelaunchFacts => ({ env: {}, args: ['assign', 'videos', '--weights', 'w.pth'], thpEnabled: MADVISE, glibc: '2.36', ...over });

describe('hugePageTunables', () => {
  it('sets the tunable for assign, cluster and sela, after any the user gave', () => {
    expect(hugePageTunables(facts())).toBe('glibc.malloc.hugetlb=1');
    expect(hugePageTunables(facts({ args: ['cluster', 'videos', '--k', '10'] }))).toBe('glibc.malloc.hugetlb=1');
    expect(hugePageTunables(facts({ args: ['sela', 'images.idx'], glibc: '3.0' }))).toBe('glibc.malloc.hugetlb=1');
    expect(hugePageTunables(facts({ env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } }))).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  });

  it('leaves the process alone: short commands, help, turned off, already set, THP not in madvise mode, no glibc 2.35', () => {
    expect(hugePageTunables(facts({ args: ['sinkhorn', 'a.npy', '--out', 'b.npy'] }))).toBeUndefined();
    expect(hugePageTunables(facts({ args: ['eval', 'assign'] }))).toBeUndefined(); // 'assign' as an argument, not the command
    expect(hugePageTunables(facts({ args: [] }))).toBeUndefined();
    expect(hugePageTunables(facts({ args: ['assign', '--help'] }))).toBeUndefined();
    expect(hugePageTunables(facts({ env: { SELAVI_HUGE_PAGES: '0' } }))).toBeUndefined();
    expect(hugePageTunables(facts({ env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' } }))).toBeUndefined();
    expect(hugePageTunables(facts({ thpEnabled: '[always] madvise never\n' }))).toBeUndefined();
    expect(hugePageTunables(facts({ thpEnabled: 'always madvise [never]\n' }))).toBeUndefined();
    expect(hugePageTunables(facts({ thpEnabled: '' }))).toBeUndefined();
    expect(hugePageTunables(facts({ glibc: '2.34' }))).toBeUndefined();
    expect(hugePageTunables(facts({ glibc: undefined }))).toBeUndefined();
  });
});

describe('relaunchWithHugePages', () => {
  it('reads nothing of the machine for the other commands, even where a flag names a long one', () => {
    // Node's report (glibc's version) costs ~7 ms of a start-up: only the long commands ask for it.
    const report = vi.spyOn(process.report!, 'getReport');
    const argv = process.argv;
    try {
      for (const args of [['sinkhorn', 'a.npy', '--out', 'b.npy', '--stop', 'sela'], ['eval', 'assign'], ['--help']]) {
        process.argv = [argv[0], 'selavi', ...args];
        relaunchWithHugePages();
      }
      expect(report).not.toHaveBeenCalled();
    } finally {
      process.argv = argv;
      report.mockRestore();
    }
  });
});

describe('hugePageStatus (selavi doctor)', () => {
  it('says whether the long commands start on huge pages, or why not', () => {
    const f = (over: Partial<RelaunchFacts> = {}) => ({ env: {}, thpEnabled: MADVISE, glibc: '2.36', ...over });
    expect(hugePageStatus(f(), true)).toMatch(/^assign, cluster and sela start with malloc on huge pages/);
    expect(hugePageStatus(f(), false)).toMatch(/^not used: needs the native addon/);
    expect(hugePageStatus(f({ env: { SELAVI_HUGE_PAGES: '0' } }), true)).toBe('not used: SELAVI_HUGE_PAGES=0');
    expect(hugePageStatus(f({ thpEnabled: 'always madvise [never]\n' }), true)).toBe('not used: THP always madvise [never]');
    expect(hugePageStatus(f({ thpEnabled: '[always] madvise never' }), true)).toMatch(/^THP always/);
    expect(hugePageStatus(f({ glibc: '2.31' }), true)).toBe('not used: glibc 2.31 (the tunable needs 2.35 or later)');
    expect(hugePageStatus(f({ env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } }), true)).toBe('as GLIBC_TUNABLES sets it (glibc.malloc.hugetlb=1)');
  });
});

const thp = existsSync('/sys/kernel/mm/transparent_hugepage/enabled') ? readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8') : '';
const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
const canRelaunch = hugePageTunables({ env: {}, args: ['assign'], thpEnabled: thp, glibc }) !== undefined && loadNativeAddon().addon?.reexec !== undefined;
const why = canRelaunch ? '' : ` (skipped: THP "${thp.trim()}", glibc ${glibc ?? 'absent'}, reexec ${loadNativeAddon().addon?.reexec ? 'built' : 'not built'})`;

describe.skipIf(!canRelaunch)(`selavi assign relaunched${why}`, () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'selavi-relaunch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs again in the same process with the tunable, and keeps the exit status and the one-line error', () => {
    // A preload that notes each start of Node in this process: before the exec and after it.
    const probe = path.join(tmp, 'probe.cjs');
    const seen = path.join(tmp, 'seen.txt');
    writeFileSync(probe, `if (require('worker_threads').isMainThread) require('fs').appendFileSync(${JSON.stringify(seen)}, process.pid + ' ' + (process.env.GLIBC_TUNABLES ?? '-') + '\\n');`);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim() };
    delete env.GLIBC_TUNABLES;
    delete env.SELAVI_HUGE_PAGES;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'assign', path.join(tmp, 'no-such-folder'), '--weights', path.join(tmp, 'w.pth'), '--out', path.join(tmp, 'out.csv')], { encoding: 'utf8', env });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^selavi: /);
    const starts = readFileSync(seen, 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(starts).toHaveLength(2);
    expect(starts[1][0]).toBe(starts[0][0]); // one process: replaced, not a parent waiting on a child
    expect(starts[0][1]).toBe('-');
    expect(starts[1][1]).toBe('glibc.malloc.hugetlb=1');
  });

  it('does not for a short command, nor with SELAVI_HUGE_PAGES=0', () => {
    const probe = path.join(tmp, 'probe2.cjs');
    const seen = path.join(tmp, 'seen2.txt');
    writeFileSync(probe, `if (require('worker_threads').isMainThread) require('fs').appendFileSync(${JSON.stringify(seen)}, process.pid + '\\n');`);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim() };
    delete env.GLIBC_TUNABLES;
    const missing = path.join(tmp, 'no-such.npy');
    expect(spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'sinkhorn', missing, '--out', path.join(tmp, 'l.npy')], { encoding: 'utf8', env }).status).toBe(2);
    expect(spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'assign', missing, '--weights', missing, '--out', path.join(tmp, 'o.csv')], { encoding: 'utf8', env: { ...env, SELAVI_HUGE_PAGES: '0' } }).status).toBe(2);
    expect(readFileSync(seen, 'utf8').trim().split('\n')).toHaveLength(2); // one start each
  });
});
