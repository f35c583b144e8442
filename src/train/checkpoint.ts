/**
 * Checkpoints: everything a killed run needs to continue exactly where it stopped: parameters
 * (incl. batch-norm statistics), optimizer state, labels, step, the epoch's data order, RNG state
 * and the resolved config. Written to `RUN/checkpoint.tmp/`, then swapped in by renames, so a
 * kill at any moment leaves either the old or the new checkpoint whole.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors.js';
import type { ParamManifest, ParamStore } from '../models/params.js';

/** The JSON part of a checkpoint. */
export interface CheckpointState {
  version: 1;
  /** The resolved training config; a resume must match it. */
  config: unknown;
  /** Next step to run (0-based, counted over the whole run). */
  step: number;
  /** Label updates done so far. */
  updatesDone: number;
  /** RNG state at `step`. */
  rng: [number, number, number, number];
  /** Data order of the current epoch. */
  order: number[];
  /** Current labels, one array per head. */
  labels: number[][];
  /** With a self weight below 1: per modality, the current labels it learns, per head. */
  modalityLabels?: Record<string, number[][]>;
  params: ParamManifest;
  optimizer: { names: string[]; shapes: number[][] };
}

function writeBlob(file: string, data: Float32Array): void {
  writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** A saved float32 blob; a missing, truncated or padded file is a CheckpointError naming it. */
function readBlob(file: string, floats: number, source: string): Float32Array {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new CheckpointError(source, `unreadable ${path.basename(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (buf.byteLength !== floats * 4) {
    throw new CheckpointError(source, `${path.basename(file)} has ${buf.byteLength} bytes, its manifest says ${floats * 4} (truncated or from another run)`);
  }
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

/** Saves params + optimizer + state under `dir/checkpoint/` atomically. */
export async function saveCheckpoint(
  dir: string,
  state: Omit<CheckpointState, 'params' | 'optimizer' | 'version'>,
  params: ParamStore,
  optimizer: tf.Optimizer,
): Promise<void> {
  const final = path.join(dir, 'checkpoint');
  const tmp = path.join(dir, 'checkpoint.tmp');
  const manifest = await startDirWithParams(tmp, params);
  const optWeights = await optimizer.getWeights();
  const total = optWeights.reduce((s, w) => s + w.tensor.size, 0);
  const optData = new Float32Array(total);
  let offset = 0;
  for (const w of optWeights) {
    optData.set(await w.tensor.data<'float32'>(), offset);
    offset += w.tensor.size;
  }
  writeBlob(path.join(tmp, 'optimizer.bin'), optData);
  // getWeights returns the accumulators themselves (variables) plus a new iteration-count tensor.
  for (const w of optWeights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  const full: CheckpointState = {
    version: 1,
    ...state,
    params: manifest,
    optimizer: { names: optWeights.map((w) => w.name), shapes: optWeights.map((w) => w.tensor.shape) },
  };
  writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(full));
  swapDir(tmp, final);
}

/** A fresh folder `tmp` holding params.bin; returns the manifest to record beside it. */
async function startDirWithParams(tmp: string, params: ParamStore): Promise<ParamManifest> {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const p = await params.save();
  writeBlob(path.join(tmp, 'params.bin'), p.data);
  return p.manifest;
}

/**
 * Puts the folder `tmp` in place of `final`: old one aside, new one in, old one removed. A crash
 * between the renames leaves `<final>.old` whole, which the readers fall back to.
 */
function swapDir(tmp: string, final: string): void {
  const old = `${final}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(final)) renameSync(final, old);
  renameSync(tmp, final);
  rmSync(old, { recursive: true, force: true });
}

/** Where the newest whole checkpoint is, or undefined. */
export function findCheckpoint(dir: string): string | undefined {
  for (const name of ['checkpoint', 'checkpoint.old']) {
    const d = path.join(dir, name);
    if (existsSync(path.join(d, 'state.json'))) return d;
  }
  return undefined;
}

/** Float count of a manifest's tensors. */
const elements = (shapes: number[][]) => shapes.reduce((s, shape) => s + tf.util.sizeFromShape(shape), 0);

/** Reads a checkpoint's state alone (so a caller can check its config before loading anything). */
export function readCheckpointState(ckpt: string): CheckpointState {
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(path.join(ckpt, 'state.json'), 'utf8')) as CheckpointState;
  } catch (err) {
    throw new CheckpointError(ckpt, `unreadable state.json (${(err as Error).message})`);
  }
  if (state?.version !== 1) throw new CheckpointError(ckpt, `unknown checkpoint version ${String(state?.version)}`);
  const lacking = (['config', 'step', 'updatesDone', 'rng', 'order', 'labels', 'params', 'optimizer'] as const).filter((key) => state[key] === undefined || state[key] === null);
  if (lacking.length) throw new CheckpointError(ckpt, `state.json lacks ${lacking.join(', ')}`);
  return state;
}

/** Loads a checkpoint's params and optimizer state (read by {@link readCheckpointState}) into the given objects. */
export async function loadCheckpoint(ckpt: string, state: CheckpointState, params: ParamStore, optimizer: tf.Optimizer): Promise<void> {
  params.load(state.params, readBlob(path.join(ckpt, 'params.bin'), elements(state.params.shapes), ckpt), ckpt);
  const optData = readBlob(path.join(ckpt, 'optimizer.bin'), elements(state.optimizer.shapes), ckpt);
  let offset = 0;
  const named = state.optimizer.names.map((name, i) => {
    const shape = state.optimizer.shapes[i];
    const n = tf.util.sizeFromShape(shape);
    const tensor = tf.tensor(optData.subarray(offset, offset + n), shape);
    offset += n;
    return { name, tensor };
  });
  // setWeights makes variables that share the tensors' data (and reads the iteration count):
  // the tensors themselves are ours to free.
  try {
    await optimizer.setWeights(named);
  } finally {
    for (const { tensor } of named) tensor.dispose();
  }
}

/** Saves the trained model for `selavi assign`: params + the model config. */
export async function saveModel(dir: string, modelConfig: unknown, extra: Record<string, unknown>, params: ParamStore): Promise<void> {
  const tmp = path.join(dir, 'model.tmp');
  const final = path.join(dir, 'model');
  const manifest = await startDirWithParams(tmp, params);
  writeFileSync(path.join(tmp, 'model.json'), JSON.stringify({ model: modelConfig, params: manifest, ...extra }, null, 1));
  swapDir(tmp, final);
}

/** Reads a saved model directory. */
export function readModel(dir: string): { json: { model: unknown; params: ParamManifest } & Record<string, unknown>; data: Float32Array } {
  const folder = ['model', 'model.old'].map((name) => path.join(dir, name)).find((d) => existsSync(path.join(d, 'model.json')));
  if (!folder) throw new CheckpointError(dir, 'no trained model here (expected model/model.json; run `selavi cluster` first)');
  let json: { model: unknown; params: ParamManifest } & Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path.join(folder, 'model.json'), 'utf8'));
  } catch (err) {
    throw new CheckpointError(folder, `unreadable model.json (${(err as Error).message})`);
  }
  if (!json?.params?.shapes) throw new CheckpointError(folder, 'model.json lists no parameters');
  return { json, data: readBlob(path.join(folder, 'params.bin'), elements(json.params.shapes), folder) };
}
