import { defineConfig } from 'vitest/config';

/**
 * The long end-to-end tests: trainings on real clips, the released-model passes, the data set
 * build, the pack-and-install check. New ones are named `*.e2e.test.ts`.
 */
const E2E = ['test/**/*.e2e.test.ts', 'test/train/cluster-run.test.ts', 'test/pipeline/released-model.test.ts', 'test/datasets/av-digits.test.ts'];

/**
 * Two projects, both run by `vitest run` (`make test`, CI): `unit`, the fast tests, and `e2e`.
 * `make test-unit` / `make test-e2e` run one of them (`vitest run --project NAME`).
 */
export default defineConfig({
  test: {
    // Heavy suites (ffmpeg, training) share 2 cores: run files in forks, at most 2 at once.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: E2E } },
      // Trainings and released-model passes take minutes when the 2 cores are shared (a make test
      // with other work running took 341 s for cluster-run's 8 trainings): 5 minutes a test.
      { extends: true, test: { name: 'e2e', include: E2E, testTimeout: 300_000, hookTimeout: 300_000 } },
    ],
  },
});
