/**
 * Rewrites the flag reference in README.md ("### selavi COMMAND" text blocks) from the CLI's own
 * `--help`. Usage: npx tsx scripts/readme-help.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withHelpBlocks } from '../src/cli/help-text.js';

const before = readFileSync('README.md', 'utf8');
const after = await withHelpBlocks(before);
writeFileSync('README.md', after);
console.log(before === after ? 'README.md flag reference was up to date' : 'README.md flag reference rewritten');
