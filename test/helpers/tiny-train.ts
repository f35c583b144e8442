import { DEFAULT_TRAIN, type TrainConfig } from '../../src/train/selavi.js';

/** A training config small enough for tests on two shared cores: 2 heads, width 8, 8 epochs, batch 8. */
export function tinyTrain(k: number, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return { ...DEFAULT_TRAIN, k, heads: 2, width: 8, projection: 32, epochs: 8, batchSize: 8, labelUpdates: 6, lr: 0.05, seed: 3, ...overrides };
}
