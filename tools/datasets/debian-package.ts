/**
 * Fetches Debian packages as data: `apt-get download NAME` into a cache, then `dpkg -x` into a
 * folder of its own. Neither step needs root (only `apt-get update`, once, does), so data sets
 * and small tools that Debian ships (Fashion-MNIST, OpenCV's digits sheet, Asterisk's recorded
 * digits, espeak-ng) become reproducible inputs without any other download.
 *
 * Layout under the cache (default `<repo>/.cache/debian/`, or `$SELAVI_CACHE/debian/`):
 * `<name>/` is the unpacked tree of package `name`, with a `.selavi-unpacked` marker written last,
 * so a folder without the marker is an interrupted unpack and is redone.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/errors.js';
import { runTool, ToolError } from '../../src/media/run-process.js';

/** Text of a program's stdout (dpkg-query, apt-cache: small; 4 MB kept). */
async function stdoutOf(cmd: string, args: string[]): Promise<string> {
  return Buffer.from((await runTool(cmd, args, { stdoutBytes: 4 << 20 })).stdout).toString('utf8');
}

/** A Debian package could not be fetched or unpacked; the message names the package. */
export class DebianPackageError extends UserError {
  override name = 'DebianPackageError';
  constructor(
    readonly pkg: string,
    reason: string,
  ) {
    super(`Debian package ${pkg}: ${reason}`);
  }
}

/** One unpacked package. */
export interface UnpackedPackage {
  name: string;
  /** Version from the downloaded file's name (`1:2.0-1` style), or '' when unknown. */
  version: string;
  /** Folder that stands for `/` of the package: files are at `root/usr/...`. */
  root: string;
}

export interface DebianPackageOptions {
  /** Folder holding the unpacked packages; default {@link debianCacheDir}. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

const MARKER = '.selavi-unpacked';
/** `tools/datasets` → the repository root, two levels up. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The project's cache root: `$SELAVI_CACHE` when set, else `<repo>/.cache`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.SELAVI_CACHE ? path.resolve(env.SELAVI_CACHE) : path.join(REPO_ROOT, '.cache');
}

/** Where unpacked Debian packages live: `<cacheRoot>/debian`. */
export function debianCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'debian');
}

/** True when apt has package lists; without them `apt-get download` finds nothing. */
function aptHasLists(): boolean {
  try {
    return readdirSync('/var/lib/apt/lists').some((f) => f.includes('_Packages'));
  } catch {
    return false;
  }
}

function tail(text: string, lines = 4): string {
  return text.trim().split('\n').filter((l) => !l.startsWith('W: Download is performed unsandboxed')).slice(-lines).join(' | ');
}

function errText(e: unknown): string {
  if (e instanceof ToolError && e.code === 'ENOENT') return 'command not found (is this a Debian-based system with apt and dpkg?)';
  return tail((e instanceof ToolError && e.stderr) || (e as Error).message || String(e));
}

function readMarker(dir: string): Promise<UnpackedPackage | undefined> {
  return readFile(path.join(dir, MARKER), 'utf8').then(
    (t) => ({ ...(JSON.parse(t) as { name: string; version: string }), root: dir }),
    () => undefined,
  );
}

/** `foo_1%3a2.0-1_amd64.deb` → `1:2.0-1`. */
function versionFromDebName(file: string): string {
  const parts = path.basename(file, '.deb').split('_');
  return parts.length >= 3 ? decodeURIComponent(parts[1]) : '';
}

const inFlight = new Map<string, Promise<UnpackedPackage>>();

/**
 * Downloads and unpacks `name` unless already unpacked in the cache; returns where it is.
 * Safe to call from several processes at once: each unpacks into a temporary folder and the
 * first rename wins.
 * @throws DebianPackageError when apt has no lists, the package is unknown, or a step fails.
 * @example const { root } = await fetchDebianPackage('opencv-doc');
 */
export function fetchDebianPackage(name: string, opts: DebianPackageOptions = {}): Promise<UnpackedPackage> {
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) {
    return Promise.reject(new DebianPackageError(name, 'not a valid package name'));
  }
  const cacheDir = path.resolve(opts.cacheDir ?? debianCacheDir(opts.env));
  const key = path.join(cacheDir, name);
  let p = inFlight.get(key);
  if (!p) {
    p = fetchUncached(name, cacheDir);
    inFlight.set(key, p);
    p.catch(() => inFlight.delete(key));
  }
  return p;
}

async function fetchUncached(name: string, cacheDir: string): Promise<UnpackedPackage> {
  const final = path.join(cacheDir, name);
  const done = await readMarker(final);
  if (done) return done;
  if (!aptHasLists()) {
    throw new DebianPackageError(name, 'apt has no package lists: run `apt-get update` as root once, then retry');
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(path.join(cacheDir, `.tmp-${name}-`));
  try {
    try {
      // apt-get download writes into the working directory.
      await runTool('apt-get', ['download', '-q', name], { cwd: tmp });
    } catch (e) {
      throw new DebianPackageError(name, `apt-get download failed: ${errText(e)}`);
    }
    const deb = (await readdir(tmp)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new DebianPackageError(name, 'apt-get download produced no .deb file');
    const tree = path.join(tmp, 'root');
    try {
      await runTool('dpkg', ['-x', path.join(tmp, deb), tree]);
    } catch (e) {
      throw new DebianPackageError(name, `dpkg -x failed: ${errText(e)}`);
    }
    const info = { name, version: versionFromDebName(deb) };
    await writeFile(path.join(tree, MARKER), JSON.stringify(info) + '\n');
    try {
      await rename(tree, final);
    } catch {
      // Another process finished first (or a marker-less leftover is in the way): keep a
      // complete one, replace an incomplete one.
      if (!(await readMarker(final))) {
        await rm(final, { recursive: true, force: true });
        await rename(tree, final);
      }
    }
    return (await readMarker(final)) ?? { ...info, root: final };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    return (await stdoutOf('dpkg-query', ['-W', '-f=${db:Status-Status}', pkg])).trim() === 'installed';
  } catch {
    return false;
  }
}

/**
 * Direct run-time dependencies of `pkg` as groups of alternatives (`a | b` → [a, b]).
 * Virtual packages (printed as `<name>`) are dropped: their providers are listed under them.
 */
async function dependencyGroups(pkg: string): Promise<string[][]> {
  let stdout: string;
  try {
    stdout = await stdoutOf('apt-cache', [
      'depends', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', pkg,
    ]);
  } catch (e) {
    throw new DebianPackageError(pkg, `apt-cache depends failed: ${errText(e)}`);
  }
  const groups: string[][] = [];
  let open = false; // the previous line ended with `|`: this one continues its group
  for (const line of stdout.split('\n')) {
    const m = /^ {2}(\|)?(?:Pre)?Depends: (\S+)/.exec(line);
    if (!m) continue;
    const dep = m[2].replace(/:any$/, '');
    if (open) groups[groups.length - 1].push(dep);
    else groups.push([dep]);
    open = m[1] === '|';
  }
  return groups.map((g) => g.filter((d) => !d.startsWith('<'))).filter((g) => g.length > 0);
}

/**
 * Unpacks `name` and every package it needs at run time that is not installed on this system,
 * so a program from it can run from the cache with {@link libraryPath} as LD_LIBRARY_PATH.
 * A dependency group is satisfied when any of its alternatives is installed; else its first
 * alternative is fetched.
 */
export async function fetchWithDependencies(name: string, opts: DebianPackageOptions = {}): Promise<UnpackedPackage[]> {
  const seen = new Set<string>();
  const out: UnpackedPackage[] = [];
  const queue = [name];
  while (queue.length > 0) {
    const pkg = queue.shift() as string;
    if (seen.has(pkg)) continue;
    seen.add(pkg);
    if (pkg !== name && (await isInstalled(pkg))) continue;
    out.push(await fetchDebianPackage(pkg, opts));
    for (const group of await dependencyGroups(pkg)) {
      const installed = await Promise.all(group.map((d) => isInstalled(d)));
      if (!installed.some(Boolean)) queue.push(group[0]);
    }
  }
  return out;
}

/** LD_LIBRARY_PATH for programs run from unpacked packages: their lib dirs that exist. */
export function libraryPath(pkgs: UnpackedPackage[], arch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu'): string {
  const dirs: string[] = [];
  for (const p of pkgs) {
    for (const sub of [`usr/lib/${arch}`, `lib/${arch}`, `usr/lib/${arch}/pulseaudio`, 'usr/lib']) {
      const d = path.join(p.root, sub);
      if (existsSync(d)) dirs.push(d);
    }
  }
  return dirs.join(path.delimiter);
}
