/**
 * The native addon's huge-page advice (native/huge_pages.cc) and the Sinkhorn pool's use of it.
 * Huge pages are checked in /proc/self/smaps_rollup where the kernel offers them (THP "always" or
 * "madvise", with compaction on fault for advised regions); elsewhere only the advice's answer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../src/engine/native-addon.js';
import { RowBlockThreads, nativeSinkhorn } from '../../src/sinkhorn/row-block-threads.js';

const addon = loadNativeAddon().addon;
const MiB = 1 << 20;
const thp = (name: string) => (existsSync(`/sys/kernel/mm/transparent_hugepage/${name}`) ? readFileSync(`/sys/kernel/mm/transparent_hugepage/${name}`, 'utf8') : '');
// Whether an advised region's first touch gets huge pages here: THP not off, and faults in advised
// regions may compact memory to find them.
const hugeOnFault = /\[(always|madvise)\]/.test(thp('enabled')) && /\[(always|madvise|defer\+madvise)\]/.test(thp('defrag'));
const anonHugeKb = () => Number(/AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? NaN);

describe.skipIf(!addon?.adviseHugePages)('adviseHugePages', () => {
  it('advises the whole 2 MiB pages inside a buffer, none in one smaller than a page, and refuses what is not an ArrayBuffer', () => {
    expect(addon!.adviseHugePages!(new ArrayBuffer(64 * 1024))).toBe(0);
    const advised = addon!.adviseHugePages!(new ArrayBuffer(16 * MiB));
    if (thp('enabled')) {
      expect(advised % (2 * MiB)).toBe(0);
      expect(advised).toBeGreaterThanOrEqual(14 * MiB); // 16 MiB less at most one partial page at each end
      expect(advised).toBeLessThanOrEqual(16 * MiB);
    }
    expect(() => addon!.adviseHugePages!(new Float32Array(4) as unknown as ArrayBuffer)).toThrow(/buffer must be an ArrayBuffer/);
    expect(() => (addon!.adviseHugePages as unknown as () => number)()).toThrow(/buffer must be an ArrayBuffer/);
  });

  it.skipIf(!hugeOnFault || !existsSync('/proc/self/smaps_rollup') || !nativeSinkhorn())('backs the native Sinkhorn memory with huge pages once written', () => {
    const before = anonHugeKb();
    const pool = new RowBlockThreads(64 * MiB, 2);
    new Uint8Array(pool.memory.buffer).fill(1);
    const after = anonHugeKb();
    pool.close();
    expect(after - before).toBeGreaterThanOrEqual(32 * 1024); // at least half the 64 MiB, in kB
  });
});
