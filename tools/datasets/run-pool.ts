/**
 * A bounded pool for running many jobs (ffmpeg, espeak-ng, flite through `runTool` of
 * src/media/run-process.ts) two at a time on a small machine.
 */

/**
 * Calls `job(i)` for i in [0, count) with at most `concurrency` running at once. Stops starting
 * new jobs after the first failure and rethrows it once the running ones have settled.
 */
export async function runPool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < count) {
      const i = next++;
      try {
        await job(i);
      } catch (e) {
        if (failed === undefined) failed = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  if (failed !== undefined) throw failed;
}
