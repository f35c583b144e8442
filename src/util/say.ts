/** Where a job's human-readable lines go when its caller gives no `say`: one line each on stderr. */
export function sayOnStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
