/** This machine's memory bandwidth, GB/s: four copies of 256 MB (read + write), one thread, after a warm-up copy. */
export function memcpyGbPerS(): number {
  const src = Buffer.alloc(256 * 2 ** 20, 1);
  const dst = Buffer.alloc(src.length);
  src.copy(dst);
  const t0 = performance.now();
  for (let r = 0; r < 4; r++) src.copy(dst);
  return (4 * 2 * src.length) / ((performance.now() - t0) / 1000) / 1e9;
}
