/**
 * Error types at the boundaries. A `UserError` is bad input or a bad flag: the CLI prints its
 * message as one line and exits 2, never a stack trace. Anything else is a bug and keeps its stack.
 */

/** Bad input the user can fix: a file that cannot be read or parsed, a bad flag value. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A file that exists (or should) but whose content is wrong. Message: `FILE: reason`. */
export class InputError extends UserError {
  override name = 'InputError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** A flag or config value out of range. Message quotes the flag and the value. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
}

/** ffmpeg/ffprobe could not decode a file; carries the tail of ffmpeg's stderr. */
export class MediaDecodeError extends InputError {
  override name = 'MediaDecodeError';
  constructor(file: string, reason: string, readonly stderrTail = '') {
    super(file, reason);
  }
}

/** A checkpoint that is missing, partial or from another configuration. */
export class CheckpointError extends InputError {
  override name = 'CheckpointError';
}

/** What the OS says of a path, in words (the codes a user can fix: permissions, a file where a folder should be, ...). */
const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists (a file where a folder was needed?)',
  ENOTDIR: 'a file stands where a folder is needed',
  EISDIR: 'is a folder, not a file',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
};

/**
 * A file-system error the user can fix (an unwritable --out, a file where a folder should be, a full
 * disk) as a UserError naming the path; undefined for anything else, which stays a bug with its stack.
 */
export function fileSystemUserError(err: unknown): InputError | undefined {
  const e = err as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  if (!e || typeof e.code !== 'string' || typeof e.path !== 'string' || !(e.code in FS_REASONS)) return undefined;
  const where = e.dest ? `${e.path} -> ${e.dest}` : e.path; // a rename names both ends
  return new InputError(where, `${FS_REASONS[e.code]} (${e.code} on ${e.syscall ?? 'access'})`);
}

/** Internal invariant; failing it is a bug, not bad input. */
export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}
