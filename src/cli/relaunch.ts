/**
 * Starting the long commands again with glibc's malloc on transparent huge pages
 * (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`), which only takes effect from a process's start.
 *
 * Why: on virtual machines where page faults are costly (shadow paging), the released network's
 * pass spent a quarter of its time faulting in memory that onnxruntime, the decoders and V8 allocate
 * and free clip after clip: 12 demo clips took 28.9-29.0 s, 21.7-23.6 s with the tunable (per clip
 * 1.99 → 1.49 s). The process is replaced (execve, the native addon's `reexec`: same pid, terminal,
 * signals and exit status), costing one Node start-up (~0.1 s), so only commands that run for
 * seconds to hours do it, and only where it can help: glibc 2.35 or later (the tunable's first
 * release), and THP in `madvise` mode (under `always` malloc's memory is on huge pages already,
 * under `never` it cannot be). `SELAVI_HUGE_PAGES=0` turns it off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadNativeAddon } from '../engine/native-addon.js';

/** The commands worth a second start-up: the released network's pass and training. */
export const RELAUNCHED_COMMANDS: ReadonlySet<string> = new Set(['assign', 'cluster', 'sela']);

const TUNABLE = 'glibc.malloc.hugetlb=1';
const THP_ENABLED = '/sys/kernel/mm/transparent_hugepage/enabled';

/** What the decision reads from the machine. */
export interface RelaunchFacts {
  /** The process's environment. */
  env: NodeJS.ProcessEnv;
  /** The command-line arguments after the script (process.argv.slice(2)). */
  args: readonly string[];
  /** The contents of /sys/kernel/mm/transparent_hugepage/enabled ('' where absent). */
  thpEnabled: string;
  /** The glibc version at run time ('2.36'), undefined on other C libraries. */
  glibc: string | undefined;
}

/** The command the arguments name: the first that is not a flag. */
function commandOf(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'));
}

/**
 * The one decision: GLIBC_TUNABLES for the relaunched process, or why this process should just run
 * (turned off, not a long command, already relaunched or set by the user, THP not in `madvise`
 * mode, no glibc 2.35+).
 */
function hugePagePlan({ env, args, thpEnabled, glibc }: RelaunchFacts): { tunables: string } | { skip: string } {
  if (env.SELAVI_HUGE_PAGES === '0') return { skip: 'not used: SELAVI_HUGE_PAGES=0' };
  const command = commandOf(args);
  if (command === undefined || !RELAUNCHED_COMMANDS.has(command) || args.includes('--help') || args.includes('-h')) return { skip: 'not a long command' };
  const given = env.GLIBC_TUNABLES ?? '';
  if (given.includes('glibc.malloc.hugetlb')) return { skip: `as GLIBC_TUNABLES sets it (${given})` }; // relaunched already, or the user chose
  if (thpEnabled.includes('[always]')) return { skip: 'THP always: big allocations get huge pages without asking' };
  if (!thpEnabled.includes('[madvise]')) return { skip: `not used: THP ${thpEnabled.trim() || 'absent'}` };
  const [major, minor] = (glibc ?? '').split('.').map(Number);
  if (!(major > 2 || (major === 2 && minor >= 35))) return { skip: `not used: glibc ${glibc ?? 'absent'} (the tunable needs 2.35 or later)` };
  return { tunables: given ? `${given}:${TUNABLE}` : TUNABLE };
}

/** GLIBC_TUNABLES for the relaunched process, or undefined when this process should just run. */
export function hugePageTunables(facts: RelaunchFacts): string | undefined {
  const plan = hugePagePlan(facts);
  return 'tunables' in plan ? plan.tunables : undefined;
}

/** The glibc version Node reports at run time, undefined on other C libraries (or platforms). */
function glibcVersion(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

/** {@link RelaunchFacts} of this machine, for these arguments. */
export function relaunchFacts(args: readonly string[], env: NodeJS.ProcessEnv = process.env): RelaunchFacts {
  return { env, args, thpEnabled: existsSync(THP_ENABLED) ? readFileSync(THP_ENABLED, 'utf8') : '', glibc: glibcVersion() };
}

/**
 * Replaces this process with the same command under {@link hugePageTunables}' setting where it
 * applies and the native addon can exec; otherwise (or if the exec fails) returns and the command
 * runs here as it is.
 */
export function relaunchWithHugePages(): void {
  const args = process.argv.slice(2);
  // Other commands read nothing (Node's report, for glibc's version, takes ~7 ms), also where a
  // flag's value names a long command (`sinkhorn --stop sela`).
  if (!RELAUNCHED_COMMANDS.has(commandOf(args) ?? '')) return;
  const tunables = hugePageTunables(relaunchFacts(args));
  const reexec = tunables === undefined ? undefined : loadNativeAddon().addon?.reexec;
  if (!reexec) return;
  const env = Object.entries({ ...process.env, GLIBC_TUNABLES: tunables }).map(([k, v]) => `${k}=${v ?? ''}`);
  try {
    reexec(process.execPath, [process.argv0, ...process.execArgv, ...process.argv.slice(1)], env);
  } catch {
    // Could not exec (a vanished binary, a limit): run here, on ordinary pages.
  }
}

/** One line for `selavi doctor`: whether the long commands start on huge pages here, or why not. */
export function hugePageStatus(facts: Omit<RelaunchFacts, 'args'>, canExec: boolean): string {
  const plan = hugePagePlan({ ...facts, args: ['assign'] });
  if ('skip' in plan) return plan.skip;
  if (!canExec) return 'not used: needs the native addon (make native; not with SELAVI_NATIVE=0)';
  return `assign, cluster and sela start with malloc on huge pages (GLIBC_TUNABLES=${TUNABLE}; SELAVI_HUGE_PAGES=0 turns it off)`;
}
