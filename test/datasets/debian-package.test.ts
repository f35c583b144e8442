import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  cacheRoot,
  DebianPackageError,
  debianCacheDir,
  fetchDebianPackage,
  libraryPath,
} from '../../tools/datasets/debian-package.js';
import { whenDebian } from './debian-skip.js';

const cache = mkdtempSync(path.join(tmpdir(), 'selavi-deb-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('debian-package', () => {
  it('puts the cache under SELAVI_CACHE when set, else under the repo', () => {
    expect(debianCacheDir({ SELAVI_CACHE: '/x/y' })).toBe('/x/y/debian');
    expect(cacheRoot({})).toBe(path.resolve(import.meta.dirname, '../../.cache'));
  });

  it('rejects a malformed name and an unknown package, naming it', async () => {
    await expect(fetchDebianPackage('../etc', { cacheDir: cache })).rejects.toThrow(DebianPackageError);
    const e = await fetchDebianPackage('selavi-no-such-package', { cacheDir: cache }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DebianPackageError);
    expect((e as DebianPackageError).message).toMatch(/selavi-no-such-package/);
    expect((e as DebianPackageError).pkg).toBe('selavi-no-such-package');
  });

  it('downloads and unpacks once, then reuses the unpacked tree without apt', async (ctx) => {
    // A 10 kB package: Debian's dummy for the Italian Asterisk prompts.
    const name = 'asterisk-prompt-it-menardi';
    const first = await whenDebian('Debian download', () => fetchDebianPackage(name, { cacheDir: cache }));
    if (!first.value) return ctx.skip(first.skip);
    const { root, version } = first.value;
    expect(root).toBe(path.join(cache, name));
    expect(version).toMatch(/^1:1\.4/);
    expect(existsSync(path.join(root, 'usr/share/doc', name, 'copyright'))).toBe(true);
    const marker = statSync(path.join(root, '.selavi-unpacked')).mtimeMs;

    // A fresh module (no in-process memo) and no apt on PATH: only the cache can answer.
    vi.resetModules();
    const fresh = await import('../../tools/datasets/debian-package.js');
    const oldPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const again = await fresh.fetchDebianPackage(name, { cacheDir: cache });
      expect(again).toEqual(first.value);
    } finally {
      process.env.PATH = oldPath;
    }
    expect(statSync(path.join(root, '.selavi-unpacked')).mtimeMs).toBe(marker);
  });

  it('builds LD_LIBRARY_PATH from the lib folders that exist', () => {
    const none = libraryPath([{ name: 'x', version: '1', root: '/nonexistent' }]);
    expect(none).toBe('');
  });
});
