import { describe, expect, it } from 'vitest';
import { summarize, summaryLines, type VitestJsonReport } from '../../scripts/test-summary.js';

/** What vitest 4 reported for three files: a throwing beforeAll, a failed import, a failed test. */
const report: VitestJsonReport = {
  numPassedTests: 1,
  numFailedTests: 1,
  numPendingTests: 3,
  numTodoTests: 0,
  testResults: [
    { name: '/repo/test/a.test.ts', status: 'failed', message: '', assertionResults: [{ status: 'skipped' }, { status: 'skipped' }] },
    { name: '/repo/test/b.test.ts', status: 'failed', message: "Cannot find module './missing.js'", assertionResults: [] },
    { name: '/repo/test/c.test.ts', status: 'failed', message: '', assertionResults: [{ status: 'passed' }, { status: 'skipped' }, { status: 'failed' }] },
  ],
};

describe('test summary', () => {
  it('counts a file that failed in beforeAll or on import as failed, and its unrun tests as not skipped', () => {
    const s = summarize(report, 1, '/repo');
    expect(s).toEqual({ passed: 1, failed: 3, skipped: 1, failedFiles: ['test/a.test.ts', 'test/b.test.ts'], failedOutside: false });
    expect(summaryLines(s).at(-1)).toBe('1 passed, 3 failed, 1 skipped');
    expect(summaryLines(s)[0]).toBe('failed outside its tests: test/a.test.ts');
  });

  it('counts a clean run as vitest does', () => {
    const clean: VitestJsonReport = { numPassedTests: 2, numFailedTests: 0, numPendingTests: 1, testResults: [{ name: '/repo/x.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }, { status: 'passed' }, { status: 'skipped' }] }] };
    expect(summaryLines(summarize(clean, 0, '/repo'))).toEqual(['2 passed, 0 failed, 1 skipped']);
  });

  it('says failed when vitest exits non-zero with nothing failed in its report, or wrote no report', () => {
    const clean: VitestJsonReport = { numPassedTests: 2, numFailedTests: 0, numPendingTests: 0, testResults: [] };
    expect(summarize(clean, 1).failed).toBe(1);
    expect(summarize(undefined, 1).failed).toBe(1);
    expect(summaryLines(summarize(undefined, 1)).at(-1)).toBe('0 passed, 1 failed, 0 skipped');
  });
});
