import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';

/** The InputError `fn` throws; fails the test when it throws anything else, or nothing. */
export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain('\n'); // the CLI prints it as one line
    return err as InputError;
  }
  throw new Error('expected an InputError');
}
