/**
 * Tests that need Debian packages run them through `whenDebian`: when a package cannot be had
 * (no network to Debian, no apt lists), the suite is skipped with the reason instead of failing.
 */
import { DebianPackageError } from '../../tools/datasets/debian-package.js';

export interface Maybe<T> {
  value?: T;
  /** Why the tests are skipped, when they are. */
  skip?: string;
}

export async function whenDebian<T>(what: string, f: () => Promise<T>): Promise<Maybe<T>> {
  try {
    return { value: await f() };
  } catch (e) {
    if (!(e instanceof DebianPackageError)) throw e;
    const skip = `skipped ${what}: ${e.message}`;
    console.warn(skip);
    return { skip };
  }
}
