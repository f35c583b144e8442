/**
 * `selavi COMMAND --help` as text at a fixed width, so README.md's flag reference can be
 * regenerated (scripts/readme-help.ts) and checked against the parser (test/cli/readme-help.test.ts).
 */
import { fixHelpLayout } from './help-layout.js';
import { buildParser } from './main.js';

/** The help of `command`, wrapped at 100 columns, without the trailing newline. */
export async function helpText(command: string): Promise<string> {
  return fixHelpLayout(await buildParser([command], 100).exitProcess(false).getHelp()).trimEnd();
}

/** Replaces the text block under each `### selavi COMMAND` heading of `readme` with that command's help. */
export async function withHelpBlocks(readme: string): Promise<string> {
  const heading = /^### selavi (\w+)\n\n```text\n[\s\S]*?\n```/gm;
  const commands = [...readme.matchAll(heading)].map((m) => m[1]);
  const helps = new Map<string, string>();
  for (const c of commands) helps.set(c, await helpText(c));
  return readme.replace(heading, (_all, c: string) => `### selavi ${c}\n\n\`\`\`text\n${helps.get(c)}\n\`\`\``);
}
