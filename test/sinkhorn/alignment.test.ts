/**
 * The native addon's alignmentOffset (native/alignment.cc) and the Sinkhorn pool's use of it: every
 * region the pool lays out starts on a 128-byte boundary in memory, not only in the buffer.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../src/engine/native-addon.js';
import { REGION_ALIGN, RowBlockThreads, nativeSinkhorn } from '../../src/sinkhorn/row-block-threads.js';

const addon = loadNativeAddon().addon;

describe.skipIf(!addon?.alignmentOffset)('alignmentOffset', () => {
  it('gives the bytes to the first aligned address, consistently across alignments', () => {
    for (const bytes of [100, 64 * 1024, 3 << 20]) {
      const buffer = new ArrayBuffer(bytes);
      const offsets = [1, 16, 64, 128, 4096].map((a) => addon!.alignmentOffset!(buffer, a));
      expect(offsets[0]).toBe(0);
      offsets.forEach((o, i) => expect(o).toBeLessThan([1, 16, 64, 128, 4096][i]));
      // A multiple of 128 in memory is a multiple of 64 and of 16.
      expect(offsets[2]).toBe(offsets[3] % 64);
      expect(offsets[1]).toBe(offsets[3] % 16);
      expect(offsets[3]).toBe(offsets[4] % 128);
    }
    // A WebAssembly memory starts on a page.
    expect(addon!.alignmentOffset!(new WebAssembly.Memory({ initial: 1 }).buffer as ArrayBuffer, 4096)).toBe(0);
  });

  it('refuses what is not an ArrayBuffer or an alignment that is not a power of two up to 2 MiB', () => {
    const buffer = new ArrayBuffer(64);
    for (const bad of [0, 3, 100, 4 << 20, -8]) expect(() => addon!.alignmentOffset!(buffer, bad)).toThrow(/power of two up to 2 MiB/);
    expect(() => addon!.alignmentOffset!(new Float32Array(4) as unknown as ArrayBuffer, 64)).toThrow(/an ArrayBuffer/);
  });

  it.skipIf(!nativeSinkhorn())('lays the native pool regions out on 128-byte boundaries in memory', () => {
    const pool = new RowBlockThreads(1 << 20, 2);
    try {
      const lead = addon!.alignmentOffset!(pool.memory.buffer as ArrayBuffer, REGION_ALIGN);
      for (const bytes of [1, 800, 4000, 128, 12_345]) expect((pool.alloc(bytes) - lead) % REGION_ALIGN).toBe(0);
    } finally {
      pool.close();
    }
  });
});
