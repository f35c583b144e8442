/** Seeded randomness for the property tests (mulberry32): the same cases on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n labels drawn uniformly from 0..k-1. */
export function randomLabels(n: number, k: number, next: () => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * k);
  return out;
}

/** A random relabelling (bijection of the label values, to arbitrary integers) of `labels`. */
export function renamed(labels: ArrayLike<number>, next: () => number): Int32Array {
  const values = [...new Set(Array.from(labels))];
  const targets = values.map((_, i) => i * 7 - 40);
  for (let i = targets.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [targets[i], targets[j]] = [targets[j], targets[i]];
  }
  const map = new Map(values.map((v, i) => [v, targets[i]]));
  return Int32Array.from(labels, (v) => map.get(v)!);
}

/** The same samples in another order (the same permutation applied to both label vectors). */
export function shuffledOrder(n: number, next: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Calls `visit` with every permutation of `items` (Heap's algorithm, in place). */
export function forEachPermutation<T>(items: T[], visit: (p: readonly T[]) => void): void {
  const a = [...items];
  const c = new Array<number>(a.length).fill(0);
  visit(a);
  let i = 0;
  while (i < a.length) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      [a[j], a[i]] = [a[i], a[j]];
      visit(a);
      c[i] += 1;
      i = 0;
    } else {
      c[i] = 0;
      i += 1;
    }
  }
}
