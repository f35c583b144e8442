/**
 * Seeded random numbers for augmentations: small, fast and reproducible across machines
 * (Math.random cannot be seeded).
 */

import { createRng } from '../util/rng.js';

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** A seeded source from the project's Rng (sfc32), for augmentations that take a plain function. */
export function seededRng(seed: number): Rng {
  const rng = createRng(seed);
  return () => rng.next();
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
