/**
 * The closing line of `make test`, `N passed, N failed, N skipped`, from vitest's JSON report.
 *
 * vitest's own counts are per test: a file that fails outside any test (an import error, a
 * throwing `beforeAll`/`afterAll`) adds nothing to `numFailedTests`, and the tests it never ran
 * are counted as pending. So `failed` here is the failed tests plus every failed file that has no
 * failed test, plus one when vitest exited non-zero with nothing failed in its report (an
 * unhandled error) or wrote no report at all; the tests of a file that failed outside its tests
 * are not "skipped" (nobody skipped them), they are left out of that count.
 *
 * Usage: tsx scripts/test-summary.ts REPORT.json EXIT_STATUS
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The part of vitest's JSON report (Jest's format) this reads. */
export interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { status: string }[];
  }[];
}

/** The counts of the closing line, and the files that failed outside their tests. */
export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Files that failed with no failed test (suite errors), relative paths. */
  failedFiles: string[];
  /** True when vitest failed without any failure in its report (unhandled error, no report). */
  failedOutside: boolean;
}

/**
 * Counts a run from its report (undefined: vitest wrote none) and vitest's exit status.
 * @example summarize(JSON.parse(text), 1).failed
 */
export function summarize(report: VitestJsonReport | undefined, exitStatus: number, root = process.cwd()): TestSummary {
  if (!report) return { passed: 0, failed: 1, skipped: 0, failedFiles: [], failedOutside: true };
  const failedFiles = report.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'));
  // Tests of a file that failed outside them were never run: not skipped.
  const notRun = failedFiles.reduce((n, f) => n + f.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed').length, 0);
  const failedSoFar = report.numFailedTests + failedFiles.length;
  const failedOutside = exitStatus !== 0 && failedSoFar === 0;
  return {
    passed: report.numPassedTests,
    failed: failedSoFar + (failedOutside ? 1 : 0),
    skipped: report.numPendingTests + (report.numTodoTests ?? 0) - notRun,
    failedFiles: failedFiles.map((f) => path.relative(root, f.name)),
    failedOutside,
  };
}

/** The lines printed: one per file that failed outside its tests, then the closing line. */
export function summaryLines(s: TestSummary): string[] {
  const lines = s.failedFiles.map((f) => `failed outside its tests: ${f}`);
  if (s.failedOutside) lines.push('failed outside any test file (vitest exited non-zero; see its output above)');
  lines.push(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  return lines;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, status] = process.argv.slice(2);
  const report = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as VitestJsonReport) : undefined;
  for (const line of summaryLines(summarize(report, Number(status ?? 0)))) console.log(line);
}
