import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { fixHelpLayout } from '../../src/cli/help-layout.js';
import { buildParser } from '../../src/cli/main.js';

/** `selavi COMMAND --help` at `wrap` columns, as the terminal shows it. */
async function help(command: string, wrap: number | null): Promise<string> {
  return fixHelpLayout(await buildParser(command ? [command] : [], wrap).exitProcess(false).getHelp()).trimEnd();
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);
/** The options part in order; the examples (whose two columns interleave when wrapped) as a sorted list. */
function wordsOf(text: string): { options: string[]; examples: string[] } {
  const [options, examples = ''] = text.split('\nExamples:\n');
  return { options: words(options), examples: words(examples).sort() };
}
const names = ['', ...commands.map((c) => String(c.command).split(' ')[0])];

describe('selavi --help', () => {
  it.each(names)('wraps "%s" at word boundaries only: the words of unwrapped help, lines within the width', async (command) => {
    const unwrapped = wordsOf(await help(command, null));
    for (const width of [80, 100, 110]) {
      const text = await help(command, width);
      expect(wordsOf(text), `width ${width}`).toEqual(unwrapped);
      for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width);
    }
  });

  it('splits a description that ends at the column edge from its [type] (yargs joins them)', () => {
    const line = '  --x  ends at the edge[number] [default: 3]';
    const [first, second] = fixHelpLayout(line).split('\n');
    expect(first).toBe('  --x  ends at the edge');
    expect(second).toBe(`${' '.repeat(line.length - 21)}[number] [default: 3]`);
    expect(fixHelpLayout('  --x  a "k":[309,...] list  [string]')).toBe('  --x  a "k":[309,...] list  [string]');
  });

  it.each(names.filter(Boolean))('shows an example for "%s"', async (command) => {
    expect(await help(command, 100)).toMatch(/\nExamples:\n {2}selavi /);
  });

  it('lists every value --backend and --truth-format accept', async () => {
    for (const command of ['cluster', 'sela', 'assign', 'doctor']) {
      expect(await help(command, 100), command).toContain('[choices: "auto", "webgpu", "tensorflow", "node", "node-gpu", "wasm", "cpu"]');
    }
    for (const command of ['cluster', 'sela', 'assign', 'report']) {
      expect(await help(command, 100), command).toMatch(/--truth-format[\s\S]*\[choices: "auto", "csv", "vggsound", "kinetics", "ave"\]/);
    }
  });
});
