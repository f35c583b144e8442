/**
 * Finds the ffmpeg and ffprobe binaries without a system install, in this order:
 * 1. FFMPEG_PATH / FFPROBE_PATH from the environment (the user's explicit choice);
 * 2. `ffmpeg-static` (optional dependency: its install downloads a binary, so offline it is absent);
 * 3. `@ffmpeg-installer/ffmpeg` / `@ffprobe-installer/ffprobe` (the binary ships inside the npm package);
 * 4. `ffmpeg` / `ffprobe` on PATH.
 * A candidate must exist and be executable; npm 11 may skip the installers' `chmod u+x`
 * postinstall, so a present-but-not-executable package binary is made executable once.
 */
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
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

const found = new Map<MediaTool, ToolLocation>();

/**
 * The first working binary for `tool`. An explicitly set FFMPEG_PATH/FFPROBE_PATH that is not
 * executable is an error rather than silently skipped: the user asked for that binary.
 * @example const { path } = locate('ffmpeg');
 */
export function locate(tool: MediaTool, env: NodeJS.ProcessEnv = process.env): ToolLocation {
  const cached = env === process.env ? found.get(tool) : undefined;
  if (cached) return cached;
  const envVar = tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  const explicit = env[envVar];
  if (explicit && !isExecutable(explicit)) {
    throw new UserError(`${envVar}=${explicit}: not an executable file`);
  }
  for (const c of candidates(tool, env)) {
    if (c.path) {
      const loc = { path: c.path, source: c.source };
      if (env === process.env) found.set(tool, loc);
      return loc;
    }
  }
  throw new UserError(
    `${tool} not found: set ${envVar}, or run \`npm install\` (it ships @ffmpeg-installer/@ffprobe-installer), or put ${tool} on PATH`,
  );
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
