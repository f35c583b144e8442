/**
 * The package as a user gets it: `npm pack` on a copy of the sources (prepack builds dist/), the
 * tarball installed into a scratch project with no network (`npm ci --offline`: the packages come
 * from the npm cache that installing this project filled), then `npx selavi --help` and the
 * README's typed API example, type-checked against the installed declarations and run there.
 *
 * Offline, `npm install TARBALL` cannot resolve the tarball's version ranges (npm caches tarballs,
 * not registry metadata), so the scratch project gets a lock file: the tarball, plus this
 * project's locked runtime packages (not its dev ones) at their locked versions.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../media/fixtures.js';

const run = promisify(execFile);
const root = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const tarballName = `${pkg.name}-${pkg.version}.tgz`;
let scratch: string;
const seconds: Record<string, number> = {};

/** Runs `cmd` in `cwd` and records how long it took under `label`. */
async function timed(label: string, cmd: string, args: string[], cwd: string): Promise<string> {
  const t0 = performance.now();
  const { stdout } = await run(cmd, args, { cwd, timeout: 240_000, maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_offline: 'true', npm_config_yes: 'false', ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  seconds[label] = Number(((performance.now() - t0) / 1000).toFixed(1));
  return stdout;
}

/** The first ```ts block of the README's "Use it as a library" section. */
function readmeExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it as a library'));
  const m = /```ts\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 10)));
  if (!m) throw new Error('README.md: no ```ts block under "## Use it as a library"');
  return m[1];
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'selavi-pack-'));
  // A copy, so the build prepack runs never touches this tree's dist/.
  const src = path.join(scratch, 'src-copy');
  mkdirSync(src);
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'src']) cpSync(path.join(root, f), path.join(src, f), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(src, 'node_modules'));
  await timed('pack', 'npm', ['pack', '--pack-destination', scratch, '--no-audit', '--no-fund'], src);
}, 240_000);

describe('npm pack + offline install', () => {
  it('packs dist/ (built by prepack, with declarations), the sources and the README, and nothing else', async () => {
    const { stdout } = await run('tar', ['tzf', path.join(scratch, tarballName)]);
    const files = stdout.trim().split('\n');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/bin.js', 'dist/sinkhorn/sinkhorn.d.ts', 'src/index.ts', 'README.md', 'package.json']) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => !/^package\/(dist\/|src\/|README\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(files.some((f) => f.includes('/datasets/'))).toBe(false); // the data set tools stay out
  });

  it('installs with no network; npx selavi --help and the README example run there', async () => {
    const app = path.join(scratch, 'app');
    mkdirSync(app);
    const dep = `file:../${tarballName}`;
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
    const self = lock.packages[''];
    const packages: Record<string, unknown> = {
      '': { name: 'app', dependencies: { [pkg.name]: dep } },
      [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: dep, license: self.license, dependencies: self.dependencies, optionalDependencies: self.optionalDependencies, bin: self.bin, engines: self.engines },
    };
    for (const [k, v] of Object.entries(lock.packages)) if (k && !v.dev) packages[k] = v;
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { [pkg.name]: dep } }));
    writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }));
    await timed('install', 'npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);

    // npx with no network and no installing (npm_config_offline, npm_config_yes=false): the local bin.
    const help = await timed('help', 'npx', ['selavi', '--help'], app);
    expect(help).toMatch(/selavi cluster \[videos\]/);
    expect(help).toMatch(/selavi decode <videos>/);

    // The README example, type-checked (strict) against the installed declarations, then run.
    writeFileSync(path.join(app, 'example.ts'), readmeExample());
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await timed('tsc', process.execPath, [tsc, '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), '--outDir', 'out', 'example.ts'], app);
    const clips = path.join(app, 'clips');
    mkdirSync(clips);
    const rows = ['path,label'];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        rows.push(`v${i}.mp4,${i % 2}`);
        return makeClip(path.join(clips, `v${i}.mp4`), { seconds: 2.2, audio: i % 2 ? 3000 : 300, video: i % 2 ? 'ramp' : 'testsrc' });
      }),
    );
    writeFileSync(path.join(app, 'labels.csv'), `${rows.join('\n')}\n`);
    const out = await timed('example', process.execPath, ['out/example.js', 'clips', 'labels.csv'], app);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('[ 0, 0, 1, 1 ] true 1');
    expect(lines.at(-1)).toMatch(/^6 \d\.\d{3}$/);
    console.log(`pack-and-install test, seconds: ${JSON.stringify(seconds)}`);
  }, 300_000);
});
