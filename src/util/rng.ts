/**
 * A small seeded random number generator (sfc32) whose whole state is four 32-bit words, so a
 * checkpoint can save it and a resumed run continues the exact same stream. No module-level
 * state: every consumer gets an `Rng` passed in.
 */

/** A seeded stream of random numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller; one value per call, no cached spare, so state stays 4 words). */
  normal(): number;
  /** The state, to save in a checkpoint. */
  state(): [number, number, number, number];
  /** Continues from a saved state (a resumed run). */
  restore(state: readonly [number, number, number, number]): void;
}

/** Creates an Rng from a seed or from a saved state. @example const rng = createRng(0); rng.next(); */
export function createRng(seedOrState: number | readonly [number, number, number, number]): Rng {
  let a: number, b: number, c: number, d: number;
  if (typeof seedOrState === 'number') {
    // splitmix32 spreads a small integer seed over the four words.
    let s = seedOrState >>> 0;
    const mix = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    [a, b, c, d] = [mix(), mix(), mix(), mix()];
  } else {
    [a, b, c, d] = seedOrState;
  }
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next(); // (0, 1]: log is finite
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    state: () => [a >>> 0, b >>> 0, c >>> 0, d >>> 0],
    restore: (st) => {
      [a, b, c, d] = st;
    },
  };
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
