/**
 * Fetches Fashion-MNIST (Debian package `dataset-fashion-mnist`) into the cache and prints where
 * its four IDX files are, one `key=path` a line, so a shell or Makefile can pick them up.
 * Usage: npx tsx scripts/fashion-mnist.ts [--json]
 */
import { fashionMnistPaths } from '../tools/datasets/fashion-mnist.js';
import { UserError } from '../src/errors.js';

try {
  const paths = await fashionMnistPaths();
  if (process.argv.includes('--json')) console.log(JSON.stringify(paths, null, 2));
  else for (const [k, v] of Object.entries(paths)) console.log(`${k}=${v}`);
} catch (e) {
  if (!(e instanceof UserError)) throw e;
  console.error(`error: ${e.message}`);
  process.exit(2);
}
