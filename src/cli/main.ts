/**
 * The `selavi` command line. Commands are thin: each builder declares flags, each handler
 * imports its heavy module lazily, so `selavi --help` never loads TensorFlow or ffmpeg.
 * One top-level catch: a UserError prints one line and exits 2; anything else keeps its stack.
 */
import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { fileSystemUserError, UserError } from '../errors.js';
import { commands } from './commands/index.js';
import { fixHelpLayout } from './help-layout.js';

// yargs's ESM build lays help out with a stand-in for wrap-ansi that cuts lines at the exact
// column, mid-word ("agrees most with the o / thers"); its CommonJS build, the same yargs,
// wraps at word boundaries. So the parser comes from the CommonJS build.
const yargs = createRequire(import.meta.url)('yargs/yargs') as (args: string[]) => Argv;

/** The parts of yargs's internals the CLI reaches into (yargs 17 has no public way to either). */
interface YargsInternals {
  getLoggerInstance(): { log: (...args: unknown[]) => void };
  getUsageInstance(): { cacheHelpMessage: () => void };
}

/**
 * Builds the parser without running it, so tests can parse argv in-process. Help wraps at
 * `wrap` columns, at word boundaries (default: the terminal's width, at most 110, else 100;
 * null: no wrapping).
 */
export function buildParser(argv: readonly string[], wrap: number | null = Math.min(110, process.stdout.columns || 100)): Argv {
  let parser = yargs([...argv])
    .scriptName('selavi')
    .usage('$0 <command> [options]\n\nLabel unlabelled video collections by self-labelling (SeLa / SeLaVi).')
    .strict()
    .demandCommand(1, 'Name a command: see `selavi --help`.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(wrap)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(msg);
    });
  for (const cmd of commands) parser = parser.command(cmd);
  // Help and version text reach the terminal through this logger: repair the layout on the way.
  const internals = (parser as unknown as { getInternalMethods(): YargsInternals }).getInternalMethods();
  const logger = internals.getLoggerInstance();
  const log = logger.log;
  logger.log = (...args) => log(...args.map((a) => (typeof a === 'string' ? fixHelpLayout(a) : a)));
  // Before every command's handler yargs lays out that command's whole help text, kept in case the
  // handler fails and help is shown then. Ours never is (.fail() above: one line, no help), and the
  // layout cost every command ~17 ms of its start; `--help` itself lays help out afresh.
  internals.getUsageInstance().cacheHelpMessage = () => undefined;
  return parser;
}

/** Runs the CLI; returns the exit code instead of exiting so tests can call it. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildParser(argv).parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const user = err instanceof UserError ? err : fileSystemUserError(err);
    if (user) {
      process.stderr.write(`selavi: ${user.message}\n`);
      return 2;
    }
    process.stderr.write(`selavi: internal error\n${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

