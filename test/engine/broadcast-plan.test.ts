import { describe, expect, it } from 'vitest';
import { broadcastPlan } from '../../src/engine/kernels/broadcast-plan.js';

describe('broadcastPlan', () => {
  it('collapses to an outer odometer and a contiguous inner axis (hand-computed)', () => {
    // [32,99,40] op [32,1,1]: a per-clip value over 3,960 contiguous bins.
    expect(broadcastPlan([32, 99, 40], [32, 1, 1])).toEqual({ dims: [32, 3960], stridesA: [3960, 1], stridesB: [1, 0] });
    // [B,T,H,W,C] op [B,1,1,1,C]: the middle axes merge; the channel stays inner for both.
    expect(broadcastPlan([32, 4, 32, 32, 3], [32, 1, 1, 1, 3])).toEqual({ dims: [32, 4096, 3], stridesA: [12288, 3, 1], stridesB: [3, 0, 1] });
    // A per-channel vector against NHWC: rows of C.
    expect(broadcastPlan([64, 8, 8, 16], [16])).toEqual({ dims: [4096, 16], stridesA: [16, 1], stridesB: [0, 1] });
    // The vector first, and a column against a matrix.
    expect(broadcastPlan([16], [4, 16])).toEqual({ dims: [4, 16], stridesA: [0, 1], stridesB: [16, 1] });
    expect(broadcastPlan([64, 1], [64, 64])).toEqual({ dims: [64, 64], stridesA: [1, 0], stridesB: [64, 1] });
    // Both broadcast on different axes: an outer product.
    expect(broadcastPlan([3, 1], [1, 5])).toEqual({ dims: [3, 5], stridesA: [1, 0], stridesB: [0, 1] });
    // A scalar, and shapes of ones.
    expect(broadcastPlan([2, 3], [])).toEqual({ dims: [6], stridesA: [1], stridesB: [0] });
    expect(broadcastPlan([1, 1], [1])).toEqual({ dims: [1], stridesA: [0], stridesB: [0] });
  });
});
