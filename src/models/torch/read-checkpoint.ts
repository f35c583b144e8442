/**
 * Reads a PyTorch `torch.save` checkpoint without Python, in either of its two formats:
 * - zip (PyTorch >= 1.6): `ARCHIVE/data.pkl` pickles the object, and each storage it refers to by
 *   a persistent id `('storage', StorageType, key, location, numel)` is the entry `ARCHIVE/data/KEY`;
 * - legacy (PyTorch < 1.6, what the official SeLaVi environment pins): pickles in a row (magic
 *   number, protocol version 1001, sys_info, the object with persistent ids
 *   `('storage', StorageType, root_key, location, numel, view_metadata)`, the list of storage keys),
 *   then per key an int64 element count and the raw bytes.
 * Either may be gzip-compressed. Tensors keep views into the file's buffer (no second copy).
 * Every failure is one CheckpointError naming the file. Reference: torch/serialization.py.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { CheckpointError, fileSystemUserError } from '../../errors.js';
import { unpickle } from './pickle.js';
import { describe, isStorageType } from './safe-globals.js';
import { DTYPE_BYTES, TorchTensor, type TorchDtype, type TorchStorage } from './torch-tensor.js';
import { looksLikeZip, openZip } from './zip-archive.js';

/**
 * A checkpoint as read. `root` is the unpickled object: a Map per Python dict (Maps keep order and
 * non-string keys, e.g. an optimizer state's parameter ids), an array per list or tuple, a
 * TorchTensor per tensor, strings, Numbers (BigInt beyond 2^53), booleans, null for None.
 */
export interface TorchCheckpoint {
  file: string;
  /** 'zip' for PyTorch >= 1.6 archives, 'legacy' for the older pickle sequence. */
  format: 'legacy' | 'zip';
  /** True when the file was gzip-compressed (and was gunzipped in memory). */
  gzip: boolean;
  root: unknown;
}

/** Where `stateDict` looks, in order, when the root is not itself a state dict. */
export const STATE_DICT_KEYS = ['model', 'state_dict', 'model_state_dict', 'net', 'network'] as const;

/** `0x1950a86a20f9469cfc6c`: the first pickle of a legacy torch.save file. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/**
 * Reads a `.pth`/`.pt` checkpoint (optionally gzip-compressed). Never runs code from the file.
 * @example const ckpt = await readTorchCheckpoint('selavi_kinetics.pth'); stateDict(ckpt).get('module.mlp_v0.block_forward.8.weight')
 */
export async function readTorchCheckpoint(file: string): Promise<TorchCheckpoint> {
  let data: Uint8Array;
  try {
    data = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const fsError = fileSystemUserError(e.path === undefined ? Object.assign(e, { path: file }) : e); // readFile's EISDIR has no path
    if (fsError) throw new CheckpointError(file, fsError.reason);
    if (e.code === 'ERR_FS_FILE_TOO_LARGE') throw new CheckpointError(file, 'too large to read (over 2 GiB)');
    throw err;
  }
  const gzip = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
  if (gzip) {
    try {
      data = await promisify(gunzip)(data);
    } catch (err) {
      throw new CheckpointError(file, `gzip-compressed, but it does not gunzip (${(err as Error).message}; truncated?)`);
    }
  }
  const what = gzip ? 'its gunzipped content' : 'it';
  if (data.length === 0) throw new CheckpointError(file, gzip ? 'empty after gunzip' : 'empty file');
  if (looksLikeZip(data)) return { file, format: 'zip', gzip, root: checked(readZipCheckpoint(data, file), file) };
  if (data[0] === 0x80) return { file, format: 'legacy', gzip, root: checked(readLegacyCheckpoint(data, file), file) };
  throw new CheckpointError(file, `not a PyTorch checkpoint: ${what} ${notACheckpoint(data)}`);
}

/**
 * The model's state dict: the root when it maps names to tensors, else the first of
 * `root.model`, `root.state_dict`, `root.model_state_dict`, `root.net`, `root.network` that does.
 * Returns the checkpoint's own Map (tensors in saved order), not a copy.
 * @example stateDict(await readTorchCheckpoint('selavi_vgg_sound.pth')).size // 326 + ...
 */
export function stateDict(ckpt: TorchCheckpoint): Map<string, TorchTensor> {
  const { root, file } = ckpt;
  if (isStateDict(root)) return root;
  if (root instanceof Map) {
    for (const key of STATE_DICT_KEYS) {
      const value = root.get(key);
      if (isStateDict(value)) return value;
    }
    const keys = [...root.keys()].map(String).slice(0, 12).join(', ');
    throw new CheckpointError(file, `no state dict: the checkpoint is a dict of {${keys}}, and none of ${STATE_DICT_KEYS.join(', ')} maps names to tensors`);
  }
  throw new CheckpointError(file, `no state dict: the checkpoint holds ${describe(root)}, not a dict`);
}

/** A non-empty Map from strings to tensors. */
function isStateDict(x: unknown): x is Map<string, TorchTensor> {
  if (!(x instanceof Map) || x.size === 0) return false;
  for (const [k, v] of x) if (typeof k !== 'string' || !(v instanceof TorchTensor)) return false;
  return true;
}

// ============ zip format ============

function readZipCheckpoint(data: Uint8Array, file: string): unknown {
  const zip = openZip(data, file);
  // the record sits in one top folder (named after the file when saved); take the shallowest
  const pkl = zip.names.filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl')).sort((a, b) => a.length - b.length)[0];
  const prefix = pkl === undefined ? '' : pkl.slice(0, -'data.pkl'.length);
  if (zip.names.some((n) => n === `${prefix}constants.pkl` || n.startsWith(`${prefix}code/`) || n.endsWith('/constants.pkl'))) {
    throw new CheckpointError(file, 'a TorchScript archive (torch.jit.save), not a checkpoint; save a state dict with torch.save(model.state_dict(), ...) instead');
  }
  if (pkl === undefined) throw new CheckpointError(file, 'zip archive without data.pkl (not a PyTorch checkpoint)');
  if (zip.has(`${prefix}byteorder`) && new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() === 'big') {
    throw new CheckpointError(file, 'saved on a big-endian machine; only little-endian checkpoints are read');
  }

  const storages = new Map<string, TorchStorage>(); // by key and dtype: tensors may share one
  const persistentLoad = (pid: unknown): TorchStorage => {
    const [kind, type, key, , numel] = Array.isArray(pid) ? pid : [];
    if (kind !== 'storage' || !isStorageType(type) || typeof key !== 'string' || typeof numel !== 'number') {
      throw new CheckpointError(file, `unexpected persistent id ${describe(pid)} in data.pkl (expected ('storage', type, key, location, numel))`);
    }
    const id = `${key}/${type.dtype}`;
    let storage = storages.get(id);
    if (!storage) {
      const bytes = zip.read(`${prefix}data/${key}`);
      const need = numel * DTYPE_BYTES[type.dtype];
      if (bytes.length < need) throw new CheckpointError(file, `storage ${key} holds ${bytes.length} bytes, its tensor needs ${need} (truncated?)`);
      storage = { dtype: type.dtype, data: bytes.subarray(0, need) };
      storages.set(id, storage);
    }
    return storage;
  };
  return unpickle(zip.read(pkl), { file, persistentLoad }).value;
}

// ============ legacy format ============

/** A storage of the legacy format: known by the pickle first, its bytes found after it. */
interface LegacyRoot {
  storage: TorchStorage;
  numel: number;
  views: { storage: TorchStorage; offset: number; numel: number }[];
}

function readLegacyCheckpoint(data: Uint8Array, file: string): unknown {
  const fail = (reason: string): never => {
    throw new CheckpointError(file, reason);
  };
  // 1) magic number, protocol version, sys_info
  const magic = unpickle(data, { file });
  if (magic.value !== LEGACY_MAGIC) fail('a pickle, but not a torch.save checkpoint (no PyTorch magic number)');
  const protocol = unpickle(data, { file, offset: magic.end });
  if (protocol.value !== LEGACY_PROTOCOL) fail(`legacy torch.save protocol ${String(protocol.value)} (only ${LEGACY_PROTOCOL} is read)`);
  const sysInfo = unpickle(data, { file, offset: protocol.end });
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) fail('saved on a big-endian machine; only little-endian checkpoints are read');

  // 2) the object; storages are placeholders until their bytes are read
  const roots = new Map<string, LegacyRoot>();
  const views = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): TorchStorage => {
    const [kind, type, key, , numel, view] = Array.isArray(pid) ? pid : [];
    if (kind === 'module') fail('the checkpoint pickles a whole nn.Module (its code); save model.state_dict() instead');
    if (kind !== 'storage' || !isStorageType(type) || typeof key !== 'string' || typeof numel !== 'number') {
      return fail(`unexpected persistent id ${describe(pid)} (expected ('storage', type, key, location, numel, view))`);
    }
    let root = roots.get(key);
    if (!root) roots.set(key, (root = { storage: placeholder(type.dtype), numel, views: [] }));
    if (view === null || view === undefined) return root.storage;
    const [viewKey, offset, viewNumel] = Array.isArray(view) ? view : [];
    if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof viewNumel !== 'number') return fail(`unexpected storage view ${describe(view)}`);
    let storage = views.get(viewKey);
    if (!storage) {
      views.set(viewKey, (storage = placeholder(type.dtype)));
      root.views.push({ storage, offset, numel: viewNumel });
    }
    return storage;
  };
  const main = unpickle(data, { file, offset: sysInfo.end, persistentLoad });
  const keys = unpickle(data, { file, offset: main.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) fail('the list of storage keys is not a list of strings');

  // 3) per key: int64 element count, then the bytes
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const root = roots.get(key) ?? fail(`storage ${key} is listed but no tensor uses it`);
    if (pos + 8 > data.length) fail(`truncated: storage ${key} should start at byte ${pos} but the data end at ${data.length}`);
    const numel = Number(view.getBigInt64(pos, true));
    if (numel !== root.numel) fail(`storage ${key} holds ${numel} elements, the pickle says ${root.numel}`);
    const bytes = DTYPE_BYTES[root.storage.dtype];
    const start = pos + 8;
    pos = start + numel * bytes;
    if (pos > data.length) fail(`truncated: storage ${key} needs bytes ${start}..${pos} but the data end at ${data.length}`);
    root.storage.data = data.subarray(start, pos);
    for (const v of root.views) {
      if (v.offset < 0 || v.offset + v.numel > numel) fail(`a view of storage ${key} reaches past its ${numel} elements`);
      v.storage.data = root.storage.data.subarray(v.offset * bytes, (v.offset + v.numel) * bytes);
    }
    root.numel = -1; // read
  }
  for (const [key, root] of roots) if (root.numel !== -1) fail(`storage ${key} is used but its bytes are missing`);
  return main.value;
}

function placeholder(dtype: TorchDtype): TorchStorage {
  return { dtype, data: new Uint8Array(0) };
}

// ============ checks ============

/** `root`, after checking that every tensor in it fits its storage (a damaged file otherwise). */
function checked(root: unknown, file: string): unknown {
  // an explicit stack, not recursion: a pickle may nest lists deeper than the call stack allows
  const seen = new Set<unknown>();
  const todo: unknown[] = [root];
  while (todo.length) {
    const x = todo.pop();
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    if (x instanceof TorchTensor) {
      const problem = x.outOfBounds();
      if (problem) throw new CheckpointError(file, `damaged: a ${problem}`);
    } else if (x instanceof Map) {
      for (const [k, v] of x) todo.push(k, v);
    } else if (Array.isArray(x) || x instanceof Set) {
      for (const v of x) todo.push(v);
    } else if (Object.getPrototypeOf(x) === null) {
      todo.push(...Object.values(x));
    }
  }
  return root;
}

/** Why bytes that are neither a zip archive nor a pickle are not a checkpoint, in words. */
function notACheckpoint(data: Uint8Array): string {
  const ascii = (from: number, to: number) => String.fromCharCode(...data.subarray(from, to));
  if (ascii(0, 6) === '\x93NUMPY') return 'is a NumPy .npy array';
  if (data.length > 262 && ascii(257, 262) === 'ustar') return 'is a tar archive (the tar torch.save format of PyTorch < 0.4 is not read; re-save it with a newer PyTorch)';
  const head = [...data.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `is neither a zip archive nor a torch.save pickle (it starts with bytes ${head})`;
}
