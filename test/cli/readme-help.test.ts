/** README.md lists every flag of every command as `--help` prints it: they may not drift apart. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withHelpBlocks } from '../../src/cli/help-text.js';
import { commands } from '../../src/cli/commands/index.js';

describe('README flag reference', () => {
  it('has a block for every command, equal to its --help (regenerate: npx tsx scripts/readme-help.ts)', async () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const cmd of commands) {
      const name = String(cmd.command).split(' ')[0];
      expect(readme, `README.md lacks "### selavi ${name}"`).toContain(`### selavi ${name}\n`);
    }
    expect(await withHelpBlocks(readme)).toBe(readme);
  });
});
