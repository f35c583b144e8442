/**
 * Schedules as plain data (SwAV style): when labels are re-solved, and the learning rate at each
 * step. Pure functions, tested at their endpoints.
 */

/**
 * Steps (0-based, before which labels are re-solved) for U updates over `totalSteps`, dense early:
 * update i of U happens at totalSteps·(i/U)^power, so updates crowd the start, when the
 * representation changes fastest. Step 0 is always included (the first labels
 * come from the random network); duplicates collapse, so short runs get fewer updates.
 * @example labelUpdateSteps(100, 4) // [0, 12, 35, 64]
 */
export function labelUpdateSteps(totalSteps: number, updates: number, power = 1.5): number[] {
  const steps = new Set<number>([0]);
  for (let i = 1; i < updates; i++) steps.add(Math.floor(totalSteps * Math.pow(i / updates, power)));
  return [...steps].filter((s) => s < Math.max(1, totalSteps)).sort((a, b) => a - b);
}

/**
 * Learning rate at `step`: 1) linear warm-up from lr/10 over `warmupSteps`, 2) cosine decay to
 * lr/100 at `totalSteps`.
 */
export function learningRate(step: number, totalSteps: number, lr: number, warmupSteps: number): number {
  if (step < warmupSteps) return lr * (0.1 + (0.9 * step) / warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  const floor = lr / 100;
  return floor + 0.5 * (lr - floor) * (1 + Math.cos(Math.PI * progress));
}
