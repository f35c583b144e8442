/**
 * Finds the ffmpeg and ffprobe binaries. FFMPEG_PATH / FFPROBE_PATH from the environment (the
 * user's explicit choice) always win. Otherwise the newest build among those present:
 * - `ffmpeg-static` (optional dependency: its install downloads a binary, so offline it is absent);
 * - `@ffmpeg-installer/ffmpeg` / `@ffprobe-installer/ffprobe` (the binary ships inside the npm
 *   package, a 2018 build for ffmpeg: a fallback only);
 * - `ffmpeg` / `ffprobe` on PATH (the system's, kept current by its security updates).
 * "Newest" compares the build's year (the end of its copyright line), then its version number,
 * never the order above: every untrusted video is demuxed and decoded by the one chosen.
 * A candidate must exist and be executable; npm 11 may skip the installers' `chmod u+x`
 * postinstall, so a present-but-not-executable package binary is made executable once.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../errors.js';

export type MediaTool = 'ffmpeg' | 'ffprobe';

/** Where a tool was found and by which rule. */
export interface ToolLocation {
  /** Absolute path of the binary. */
  path: string;
  /** Which rule found it: `env`, `ffmpeg-static`, `@ffmpeg-installer/ffmpeg`, ..., or `PATH`. */
  source: string;
}

const require = createRequire(import.meta.url);

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Makes a package-shipped binary executable when its postinstall was skipped. */
function ensureExecutable(file: string): boolean {
  if (isExecutable(file)) return true;
  try {
    statSync(file);
    chmodSync(file, 0o755);
    return isExecutable(file);
  } catch {
    return false;
  }
}

function fromPackage(pkg: string, pick: (mod: unknown) => unknown): string | undefined {
  try {
    const p = pick(require(pkg));
    return typeof p === 'string' && ensureExecutable(p) ? p : undefined;
  } catch {
    return undefined; // absent, or its index throws for an unsupported platform
  }
}

function fromPath(tool: MediaTool, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Every rule in order, each returning a path or undefined. Exported for `selavi doctor`. */
export function candidates(tool: MediaTool, env: NodeJS.ProcessEnv = process.env): { source: string; path?: string }[] {
  const envVar = tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  const fromEnv = env[envVar];
  const rules: { source: string; find: () => string | undefined }[] = [
    { source: envVar, find: () => (fromEnv && isExecutable(fromEnv) ? path.resolve(fromEnv) : undefined) },
    tool === 'ffmpeg'
      ? { source: 'ffmpeg-static', find: () => fromPackage('ffmpeg-static', (m) => m) }
      : { source: 'ffprobe-static', find: () => fromPackage('ffprobe-static', (m) => (m as { path?: string }).path) },
    tool === 'ffmpeg'
      ? { source: '@ffmpeg-installer/ffmpeg', find: () => fromPackage('@ffmpeg-installer/ffmpeg', (m) => (m as { path?: string }).path) }
      : { source: '@ffprobe-installer/ffprobe', find: () => fromPackage('@ffprobe-installer/ffprobe', (m) => (m as { path?: string }).path) },
    { source: 'PATH', find: () => fromPath(tool, env.PATH) },
  ];
  return rules.map((r) => ({ source: r.source, path: r.find() }));
}

/** What `BIN -version` says of a build. */
export interface ToolBuild {
  /** The version token, e.g. `5.1.9-0+deb12u1`, `6.0-static`, `N-47683-g0e8eb07980-static`. */
  version: string;
  /** The build's year: the end of its `Copyright (c) 2000-YYYY` line. */
  year?: number;
  /** major.minor.patch when the version is a release number (snapshots `N-...` have none). */
  release?: [number, number, number];
}

/** Reads the first line of `ffmpeg -version` / `ffprobe -version`. */
export function parseToolBuild(line: string): ToolBuild {
  const version = /\bversion\s+(\S+)/.exec(line)?.[1] ?? 'unknown';
  const year = /Copyright \(c\) \d{4}-(\d{4})/.exec(line)?.[1];
  const rel = /^n?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  return {
    version,
    ...(year !== undefined && { year: Number(year) }),
    ...(rel !== null && { release: [Number(rel[1]), Number(rel[2]), Number(rel[3] ?? 0)] as [number, number, number] }),
  };
}

/** Negative when `a` is the newer build: by year, then by release number; unknowns sort last. */
export function compareBuilds(a: ToolBuild, b: ToolBuild): number {
  const ya = a.year ?? -1;
  const yb = b.year ?? -1;
  if (ya !== yb) return yb - ya;
  const ra = a.release ?? [-1, -1, -1];
  const rb = b.release ?? [-1, -1, -1];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
  return 0;
}

/** The build of one binary, or undefined when it does not run (bounded: 10 s). */
export function readToolBuild(bin: string): (ToolBuild & { line: string }) | undefined {
  try {
    const out = execFileSync(bin, ['-version'], { timeout: 10_000, maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });
    const line = out.split('\n')[0]!.trim();
    return line ? { ...parseToolBuild(line), line } : undefined;
  } catch {
    return undefined;
  }
}

/** A build this many years older than the current year draws one warning per run. */
const STALE_YEARS = 2;

const found = new Map<MediaTool, ToolLocation & { build?: ToolBuild }>();
let warned = false;

/**
 * The binary for `tool`: FFMPEG_PATH/FFPROBE_PATH when set (not executable: an error rather than
 * silently skipped: the user asked for that binary), else the newest build present (ties: the
 * order of {@link candidates}). Cached per process for the real environment.
 * @example const { path } = locate('ffmpeg');
 */
export function locate(tool: MediaTool, env: NodeJS.ProcessEnv = process.env): ToolLocation & { build?: ToolBuild } {
  const cached = env === process.env ? found.get(tool) : undefined;
  if (cached) return cached;
  const envVar = tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  const explicit = env[envVar];
  if (explicit && !isExecutable(explicit)) {
    throw new UserError(`${envVar}=${explicit}: not an executable file`);
  }
  const present = candidates(tool, env).filter((c): c is { source: string; path: string } => c.path !== undefined);
  let chosen: (ToolLocation & { build?: ToolBuild }) | undefined;
  if (present[0]?.source === envVar) chosen = { path: present[0].path, source: envVar };
  else {
    const seen = new Set<string>();
    const builds: (ToolLocation & { build: ToolBuild })[] = [];
    for (const c of present) {
      const real = safeRealpath(c.path);
      if (seen.has(real)) continue;
      seen.add(real);
      const build = readToolBuild(c.path);
      if (build !== undefined) builds.push({ path: c.path, source: c.source, build: { version: build.version, ...(build.year !== undefined && { year: build.year }), ...(build.release && { release: build.release }) } });
    }
    // Stable sort: equal builds keep the candidates' order.
    builds.sort((a, b) => compareBuilds(a.build, b.build));
    chosen = builds[0] ?? (present[0] ? { path: present[0].path, source: present[0].source } : undefined);
  }
  if (chosen === undefined) {
    throw new UserError(
      `${tool} not found: set ${envVar}, or run \`npm install\` (it ships @ffmpeg-installer/@ffprobe-installer), or put ${tool} on PATH`,
    );
  }
  if (env === process.env) found.set(tool, chosen);
  return chosen;
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * One warning per process when the ffmpeg that decodes is a build from two or more years ago
 * (e.g. the bundled 2018 one): it lacks years of fixes to the demuxers and decoders that
 * untrusted videos reach. Undefined when current, unknown, chosen by FFMPEG_PATH, or already said.
 */
export function staleDecoderWarning(now = new Date()): string | undefined {
  if (warned) return undefined;
  let loc: ReturnType<typeof locate>;
  try {
    loc = locate('ffmpeg');
  } catch {
    return undefined; // the decode itself reports a missing ffmpeg
  }
  const year = loc.build?.year;
  if (year === undefined || now.getUTCFullYear() - year < STALE_YEARS) return undefined;
  warned = true;
  return `warning: decoding with a ${year} ffmpeg build (${loc.source}: ${loc.path}), which lacks years of decoder security fixes: install a current one (e.g. apt-get install ffmpeg) or set FFMPEG_PATH`;
}

/**
 * First line of `BIN -version` (e.g. `ffmpeg version N-47683-... Copyright ...`), or why it failed.
 * Bounded by a 10 s timeout so a broken binary cannot hang `selavi doctor`.
 */
export async function toolVersion(bin: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(bin, ['-version'], { timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      const first = String(stdout).split('\n')[0]?.trim();
      resolve(first || `version unknown (${err ? err.message.split('\n')[0] : 'no output'})`);
    });
  });
}
