/** ITU-R BT.601 luma weights of R, G, B: one definition for the model's grey frames, grey images and subject views. */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];

/** The luma of one R, G, B triple (any scale: the result has the inputs' scale). */
export function luma(r: number, g: number, b: number): number {
  return LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b;
}
