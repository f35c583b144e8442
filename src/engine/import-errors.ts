/** What a failed dynamic import or engine start says, in one line: shared by the engine loaders. */

/** The first line of an error's message, at most `max` characters. */
export function firstLine(err: unknown, max = 200): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, max);
}

/** Whether `err` says that package `pkg` itself is not installed (not one of its own imports). */
export function isMissingPackage(pkg: string, err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && (e.message?.includes(`'${pkg}'`) ?? false);
}
