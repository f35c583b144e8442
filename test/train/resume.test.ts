/**
 * Resume at the training-loop level: a run stopped mid-epoch or at an epoch end and resumed ends
 * with the same labels, confidences and parameters as an uninterrupted run, frees every tensor,
 * and a damaged or foreign checkpoint is refused with one clear error before anything is loaded.
 */
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError } from '../../src/errors.js';
import { DEFAULT_TRAIN, train, type TrainConfig, type TrainDeps } from '../../src/train/selavi.js';
import { randomImages } from '../helpers/random-images.js';

// 16 items, batch 4: 4 steps an epoch, 12 steps in all, label updates dense early.
const base: TrainConfig = { ...DEFAULT_TRAIN, modalities: ['image'], agree: 0, k: 2, heads: 2, width: 4, projection: 8, epochs: 3, batchSize: 4, labelUpdates: 4, seed: 5 };

const deps = (runDir: string, extra: Partial<TrainDeps> = {}): TrainDeps => ({ runDir, resume: false, logJson: () => undefined, say: () => undefined, ...extra });
const newDir = () => mkdtempSync(path.join(os.tmpdir(), 'selavi-resume-'));
const params = (dir: string) => readFileSync(path.join(dir, 'model', 'params.bin'));

/** A run folder holding the checkpoint of a run stopped after 2 steps (cpu backend). */
async function stoppedRun(): Promise<string> {
  await tf.setBackend('cpu');
  const dir = newDir();
  await train(base, randomImages(16), deps(dir, { stopAfterStep: 2 }));
  return dir;
}

describe('resume (training loop)', () => {
  it.each([
    ['mid-epoch', 6, {}],
    ['at an epoch end', 8, {}],
    ['mid-epoch, with the cluster-agreement term', 6, { agree: 1 }],
  ])('stopped %s and resumed: same labels, confidences and parameters as one run, no tensor left', async (_when, stopAt, extra) => {
    await tf.setBackend('cpu');
    const cfg = { ...base, ...extra };
    const before = tf.memory().numTensors;
    const whole = newDir();
    const a = await train(cfg, randomImages(16), deps(whole));
    const split = newDir();
    const first = await train(cfg, randomImages(16), deps(split, { stopAfterStep: stopAt }));
    expect(first.interrupted).toBe(true);
    expect(first.steps).toBe(stopAt);
    const b = await train(cfg, randomImages(16), deps(split, { resume: true }));
    expect(b.interrupted).toBe(false);
    expect(b.labels.map((l) => Array.from(l))).toEqual(a.labels.map((l) => Array.from(l)));
    expect(b.confidence.map((c) => Array.from(c))).toEqual(a.confidence.map((c) => Array.from(c)));
    expect(params(split).equals(params(whole))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a stop asked by an event callback (as the SIGTERM handler does) ends the run within its first epoch', async () => {
    // The loop's awaits all resolve as microtasks on cpu/wasm: unless it yields to the event
    // loop, a signal handler or timer runs only once the whole run is over.
    await tf.setBackend('cpu');
    let stop = false;
    const timer = setTimeout(() => (stop = true), 0);
    const cfg = { ...base, epochs: 2, batchSize: 2 }; // 32 items: 16 steps an epoch
    const r = await train(cfg, randomImages(32), deps(newDir(), { stopRequested: () => stop }));
    clearTimeout(timer);
    expect(r.interrupted).toBe(true);
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThan(16);
  });

  it('refuses a checkpoint of another configuration before loading it (no shape error, no tensor left)', async () => {
    const dir = await stoppedRun();
    const before = tf.memory().numTensors;
    const other = { ...base, k: 3, width: 8 };
    await expect(train(other, randomImages(16), deps(dir, { resume: true }))).rejects.toThrow(ConfigError);
    await expect(train(other, randomImages(16), deps(dir, { resume: true }))).rejects.toThrow(/another configuration/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a truncated params.bin and frees what it built', async () => {
    const dir = await stoppedRun();
    truncateSync(path.join(dir, 'checkpoint', 'params.bin'), 100);
    const before = tf.memory().numTensors;
    const err = await train(base, randomImages(16), deps(dir, { resume: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/checkpoint: params\.bin has 100 bytes/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a checkpoint made on other data (another item count) and a state.json that lacks fields', async () => {
    const dir = await stoppedRun();
    const before = tf.memory().numTensors;
    await expect(train(base, randomImages(20), deps(dir, { resume: true }))).rejects.toThrow(/made on 16 items, the data now has 20/);
    const stateFile = path.join(dir, 'checkpoint', 'state.json');
    const { labels: _labels, order: _order, ...rest } = JSON.parse(readFileSync(stateFile, 'utf8'));
    writeFileSync(stateFile, JSON.stringify(rest));
    const err = await train(base, randomImages(16), deps(dir, { resume: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/state\.json lacks order, labels/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
