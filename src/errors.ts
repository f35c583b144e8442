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

/** Internal invariant; failing it is a bug, not bad input. */
export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}
