/**
 * Seeded random numbers for augmentations: small, fast and reproducible across machines
 * (Math.random cannot be seeded).
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: 32-bit state, period 2^32; plenty for per-clip augmentation choices. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Standard normal via Box–Muller (one value per call; the pair's twin is dropped for simplicity). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log(0) impossible
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
