/**
 * A child process timed from a small process of its own, as a shell's `time` would time it. A spawn
 * from a large process (a bench holding gigabytes of scores and references) first pays for that
 * process's fork: here `node -e 0` took 96-99 ms spawned from a small process and 129-154 ms from one
 * holding 2 GB, the parent's cost and not the child's.
 */
import { spawnSync } from 'node:child_process';

// Runs in the small timing process: the command, timed, and what it printed, as one JSON line.
const TIMER = `
const { spawnSync } = require('node:child_process');
const [cmd, ...args] = process.argv.slice(1);
const t0 = performance.now();
const run = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ seconds, status: run.status, stdout: run.stdout, stderr: run.stderr }));
`;

export interface TimedRun {
  /** The child's wall-clock seconds, from its spawn to its exit. */
  seconds: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

export function timedProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): TimedRun {
  const timer = spawnSync(process.execPath, ['-e', TIMER, command, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  if (timer.status !== 0) throw new Error(`the timing process failed: ${timer.stderr}`);
  return JSON.parse(timer.stdout) as TimedRun;
}
