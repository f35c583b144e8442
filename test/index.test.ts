import { describe, expect, it } from 'vitest';

describe('the public API (src/index.ts)', () => {
  it('loads no TensorFlow until a job runs', async () => {
    const api = await import('../src/index.js');
    expect('_tfengine' in globalThis).toBe(false); // tfjs-core's engine global, set when it loads
    expect(api.DEFAULT_TRAIN.k).toBe(10);
    expect(api.sinkhorn(Float32Array.from([3, 0, 2, 1, 1, 2, 0, 3]), 4, 2).labels).toEqual(Int32Array.from([0, 0, 1, 1]));
  });

  it('exports the names of the README example and the issue, as the same functions', async () => {
    const api = await import('../src/index.js');
    expect(api.nmi).toBe(api.normalizedMutualInfo);
    expect(api.clusterVideos).toBe(api.runCluster);
    expect(api.assignVideos).toBe(api.runAssign);
    for (const name of ['evaluate', 'readTruth', 'readClusters', 'runSela', 'runReleasedAssign', 'runClusterReleased', 'buildCache', 'openCache', 'readTorchCheckpoint'] as const) {
      expect(typeof api[name], name).toBe('function');
    }
  });
});
