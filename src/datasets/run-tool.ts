/**
 * Runs an external program (ffmpeg, espeak-ng, flite) to completion, and a bounded pool for
 * running many such jobs two at a time on a small machine.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
}

/** A program that failed: its name, exit status and the tail of its stderr. */
export class ToolError extends Error {
  override name = 'ToolError';
}

/** Runs `cmd args` with no stdin; rejects with the stderr tail when it exits non-zero. */
export function runTool(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
    const out: Buffer[] = [];
    let err = '';
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', (e) => reject(new ToolError(`${path.basename(cmd)}: ${e.message}`)));
    proc.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr: err });
      else {
        const tail = err.trim().split('\n').slice(-3).join(' | ');
        reject(new ToolError(`${path.basename(cmd)} exited with ${code ?? signal}: ${tail}`));
      }
    });
  });
}

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
