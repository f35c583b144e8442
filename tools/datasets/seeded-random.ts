/**
 * Seeded randomness for the data set builders: the project's one generator (sfc32,
 * src/util/rng.ts), seeded and drawn from the way the builders always have, so that a seed
 * gives the same data set as before (the committed demo records seed 0 in its build.json).
 * What differs from the library's `createRng(seed)` is only the seeding (fixed words plus the
 * seed, then 15 draws dropped) and the helpers (a polar-method normal that keeps its spare).
 */
import { createRng, type Rng } from '../../src/util/rng.js';

/** Mixes integers into one 32-bit seed (splitmix-style), e.g. (global seed, clip index). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Fold the number's low and high 32 bits so that large seeds still differ.
    const lo = p >>> 0;
    const hi = Math.floor(p / 0x100000000) >>> 0;
    for (const v of [lo, hi]) {
      h = Math.imul(h ^ v, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

/** The library's sfc32 with the helpers the builders need. */
export class SeededRandom {
  private readonly rng: Rng;
  private spare: number | undefined;

  constructor(seed: number) {
    this.rng = createRng([0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]);
    // Warm up: sfc32's first outputs are close for close seeds.
    for (let i = 0; i < 15; i++) this.rng.next();
  }

  /** The next 32-bit output (exact: `next()` is it divided by 2^32). */
  nextUint32(): number {
    return this.rng.next() * 0x100000000;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.rng.next();
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** `len` lowercase hex characters. */
  hex(len: number): string {
    let s = '';
    while (s.length < len) s += this.nextUint32().toString(16).padStart(8, '0');
    return s.slice(0, len);
  }
}
