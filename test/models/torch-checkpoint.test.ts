import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, UserError } from '../../src/errors.js';
import { unpickle } from '../../src/models/torch/pickle.js';
import { readTorchCheckpoint, stateDict, type TorchCheckpoint } from '../../src/models/torch/read-checkpoint.js';
import { DTYPE_BYTES, TorchTensor, type TorchDtype } from '../../src/models/torch/torch-tensor.js';
import { createRng } from '../../src/util/rng.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.resolve(repoRoot, '../shared/fixtures/selavi-official');
const haveFixtures = existsSync(path.join(fixtures, 'fixture.json'));
if (!haveFixtures) console.warn(`skipping the checkpoint fixture tests: ${fixtures} is absent`);

const tmp = mkdtempSync(path.join(tmpdir(), 'selavi-torch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

import { bytes, global, int, legacyCheckpoint, PROTO2, str, u32, zip } from '../helpers/torch-bytes.js';

function write(name: string, data: Uint8Array): string {
  const file = path.join(tmp, name);
  writeFileSync(file, data);
  return file;
}

/** The one CheckpointError reading `file` gives; it names the file. */
async function checkpointError(file: string): Promise<CheckpointError> {
  const err = await readTorchCheckpoint(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CheckpointError);
  expect(err).toBeInstanceOf(UserError); // printed by the CLI as one line
  expect((err as CheckpointError).message).toContain(file);
  return err as CheckpointError;
}

// ============ the released-model fixtures ============

describe.skipIf(!haveFixtures)('readTorchCheckpoint on the SeLaVi fixtures', () => {
  const expected = haveFixtures ? JSON.parse(readFileSync(path.join(fixtures, 'fixture.json'), 'utf8')) : {};
  const loaded: Record<'legacy' | 'zip', TorchCheckpoint> = {} as never;

  beforeAll(async () => {
    loaded.legacy = await readTorchCheckpoint(path.join(fixtures, 'selavi-random-legacy.pth.gz'));
    loaded.zip = await readTorchCheckpoint(path.join(fixtures, 'selavi-random-zip.pth.gz'));
  });

  it.each(['legacy', 'zip'] as const)('reads the %s format: top-level keys, 326 entries, parameter count', (format) => {
    const ckpt = loaded[format];
    expect(ckpt.format).toBe(format);
    expect(ckpt.gzip).toBe(true);
    expect([...(ckpt.root as Map<string, unknown>).keys()].sort()).toEqual(expected.checkpoint_keys);
    const sd = stateDict(ckpt);
    expect(sd).toBe((ckpt.root as Map<string, unknown>).get('model'));
    expect(sd.size).toBe(expected.state_dict_entries);
    expect([...sd.keys()].every((k) => k.startsWith('module.'))).toBe(true);
    // fixture.json's count: every float tensor (batch-norm running statistics included), not the int64 num_batches_tracked
    const floats = [...sd.values()].filter((t) => t.dtype === 'float32');
    expect(floats.reduce((s, t) => s + t.numel, 0)).toBe(expected.parameters);
    expect([...sd].filter(([, t]) => t.dtype !== 'float32').every(([k, t]) => k.endsWith('.num_batches_tracked') && t.dtype === 'int64')).toBe(true);
  });

  it.each(['legacy', 'zip'] as const)('gives the known shapes in the %s format', (format) => {
    const sd = stateDict(loaded[format]);
    const shape = (k: string) => sd.get(k)?.shape;
    expect(shape('module.video_network.base.stem.0.weight')).toEqual([45, 3, 1, 7, 7]);
    expect(shape('module.mlp_v0.block_forward.8.weight')).toEqual([expected.k, 512]);
    expect(shape('module.mlp_a1.block_forward.8.bias')).toEqual([expected.k]);
    expect(shape('module.mlp_v1.block_forward.2.weight')).toEqual([512, 512]);
    expect(shape('module.audio_network.base.conv1.weight')?.slice(1)).toEqual([1, 7, 7]);
    expect(sd.get('module.video_network.base.stem.1.num_batches_tracked')?.shape).toEqual([]);
  });

  it('keeps every storage a view into one buffer (no copy per tensor)', () => {
    for (const ckpt of [loaded.legacy, loaded.zip]) {
      const buffers = new Set([...stateDict(ckpt).values()].map((t) => t.storage.data.buffer));
      expect(buffers.size).toBe(1);
    }
  });

  it('gives bit-identical tensors in both formats, for every key', () => {
    const a = stateDict(loaded.legacy);
    const b = stateDict(loaded.zip);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [key, t] of a) {
      const u = b.get(key)!;
      expect([u.dtype, u.shape, u.stride], key).toEqual([t.dtype, t.shape, t.stride]);
      expect(Buffer.compare(extent(u), extent(t)), key).toBe(0);
    }
    const [ra, rb] = [loaded.legacy.root, loaded.zip.root] as Map<string, unknown>[];
    expect(rb.get('epoch')).toBe(ra.get('epoch'));
    expect(Buffer.compare(extent(rb.get('selflabels') as TorchTensor), extent(ra.get('selflabels') as TorchTensor))).toBe(0);
  });
});

/** The bytes a contiguous tensor covers. */
function extent(t: TorchTensor): Buffer {
  expect(t.isContiguous()).toBe(true);
  const elem = DTYPE_BYTES[t.dtype];
  return Buffer.from(t.storage.data.buffer, t.storage.data.byteOffset + t.storageOffset * elem, t.numel * elem);
}

// ============ malformed files: one CheckpointError naming the file ============

describe('readTorchCheckpoint on malformed files', () => {
  it.skipIf(!haveFixtures).each(['legacy', 'zip'])('refuses a %s checkpoint cut in half', async (format) => {
    const whole = gunzipSync(readFileSync(path.join(fixtures, `selavi-random-${format}.pth.gz`)));
    const err = await checkpointError(write(`half-${format}.pth`, whole.subarray(0, whole.length >> 1)));
    expect(err.message).toMatch(/truncated/);
  });

  it.skipIf(!haveFixtures)('refuses a gzip file cut short', async () => {
    const gz = readFileSync(path.join(fixtures, 'selavi-random-zip.pth.gz'));
    const err = await checkpointError(write('cut.pth.gz', gz.subarray(0, 100_000)));
    expect(err.message).toMatch(/gunzip/);
  });

  it('refuses a zip archive without data.pkl', async () => {
    const err = await checkpointError(write('nodata.pth', zip({ 'archive/version': bytes('3\n') })));
    expect(err.message).toContain('zip archive without data.pkl (not a PyTorch checkpoint)');
  });

  it('refuses a TorchScript archive, saying to save a state dict', async () => {
    const ts = zip({ 'm/data.pkl': bytes(PROTO2, 'N.'), 'm/constants.pkl': bytes(PROTO2, ')', '.'), 'm/code/m.py': bytes('') });
    const err = await checkpointError(write('script.pt', ts));
    expect(err.message).toMatch(/TorchScript.*torch\.save/);
  });

  it('refuses an unknown global and does not run it', async () => {
    const marker = path.join(tmp, 'pwned');
    const evil = bytes(PROTO2, global('os', 'system'), str(`touch ${marker}`), 0x85, 'R', '.');
    for (const file of [write('evil-legacy.pth', evil), write('evil-zip.pth', zip({ 'archive/data.pkl': evil }))]) {
      const err = await checkpointError(file);
      expect(err.message).toContain('unknown global os.system in the pickle (refused: unpickling it could run code)');
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an empty file, random bytes, text and a .npy array', async () => {
    const rng = createRng(7);
    const noise = Uint8Array.from({ length: 4096 }, () => rng.int(256));
    expect((await checkpointError(write('empty.pth', new Uint8Array(0)))).message).toMatch(/empty file/);
    expect((await checkpointError(write('noise.pth', noise))).message).toMatch(/not a PyTorch checkpoint/);
    expect((await checkpointError(write('notes.pth', bytes('epoch: 200\n')))).message).toMatch(/not a PyTorch checkpoint/);
    const npy = bytes(0x93, 'NUMPY', 1, 0, 0x76, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }");
    expect((await checkpointError(write('logits.npy', npy))).message).toMatch(/NumPy/);
    expect((await checkpointError(path.join(tmp, 'absent.pth'))).message).toMatch(/no such file/);
    expect((await checkpointError(tmp)).message).toMatch(/is a folder/);
  });
});

describe('stateDict', () => {
  it('throws a CheckpointError naming the keys when no entry maps names to tensors', async () => {
    const file = write('no-model.pth', zip({ 'archive/data.pkl': bytes(PROTO2, '}', str('epoch'), 'K', 1, 's', '.') }));
    const ckpt = await readTorchCheckpoint(file);
    expect(ckpt.format).toBe('zip');
    expect(() => stateDict(ckpt)).toThrow(CheckpointError);
    expect(() => stateDict(ckpt)).toThrow(/no state dict: the checkpoint is a dict of \{epoch\}/);
  });
});

// ============ a legacy file by hand: views and strides ============

describe('readTorchCheckpoint on a hand-made legacy file', () => {
  it('reads a storage view and a transposed tensor from one storage', async () => {
    const file = write('hand.pth', legacyCheckpoint());
    const sd = stateDict(await readTorchCheckpoint(file));
    expect(Array.from(sd.get('view')!.toFloat32())).toEqual([2, 3, 4]);
    expect(Array.from(sd.get('t')!.toFloat32())).toEqual([0, 2, 4, 1, 3, 5]);
  });
});

// ============ the unpickler on hand-assembled pickles ============

// ============ what attackers put in checkpoints: none runs, none writes, one line each ============

describe('readTorchCheckpoint on attack shapes', () => {
  const marker = path.join(tmp, 'attacked');
  const cmd = `touch ${marker}`;
  /** The pickle as a legacy file and as a zip checkpoint; each must give one CheckpointError. */
  async function refused(name: string, pkl: Uint8Array, why: RegExp): Promise<void> {
    for (const file of [write(`${name}-legacy.pth`, pkl), write(`${name}-zip.pth`, zip({ 'archive/data.pkl': pkl, 'archive/version': bytes('3\n') }))]) {
      const err = await checkpointError(file);
      expect(err.message.split('\n'), 'one line').toHaveLength(1);
      expect(err.message, name).toMatch(why);
    }
    expect(existsSync(marker), `${name} ran`).toBe(false);
  }

  it('refuses GLOBAL and STACK_GLOBAL of os.system, subprocess.Popen, builtins.eval / getattr / exec', async () => {
    await refused('os-system', bytes(PROTO2, global('os', 'system'), str(cmd), 0x85, 'R', '.'), /unknown global os\.system/);
    await refused('posix-system', bytes(PROTO2, global('posix', 'system'), str(cmd), 0x85, 'R', '.'), /unknown global posix\.system/);
    await refused('popen', bytes(PROTO2, global('subprocess', 'Popen'), ']', str('touch'), 'a', str(marker), 'a', 0x85, 'R', '.'), /unknown global subprocess\.Popen/);
    await refused('eval', bytes(PROTO2, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, str(`__import__('os').system('${cmd}')`), 0x85, 'R', '.'), /unknown global builtins\.eval/);
    await refused('getattr', bytes(PROTO2, global('builtins', 'getattr'), global('collections', 'OrderedDict'), str('__init__'), 0x86, 'R', '.'), /unknown global builtins\.getattr/);
    await refused('exec', bytes(PROTO2, global('__builtin__', 'exec'), str(`import os; os.system('${cmd}')`), 0x85, 'R', '.'), /unknown global __builtin__\.exec/);
  });

  it('refuses INST and OBJ (the protocol-0/1 ways to call a class) and REDUCE on an allowed non-callable', async () => {
    await refused('inst', bytes(PROTO2, '(', str(cmd), 'i', 'os\nsystem\n', '.'), /unsupported pickle opcode 0x69/);
    await refused('obj', bytes(PROTO2, '(', global('os', 'system'), str(cmd), 'o', '.'), /unknown global os\.system|unsupported pickle opcode 0x6f/);
    // A storage type is allowed as a name for persistent ids, never as something to call.
    await refused('call-storage', bytes(PROTO2, global('torch', 'FloatStorage'), str(cmd), 0x85, 'R', '.'), /REDUCE calls an object, not an allow-listed callable/);
  });

  it('refuses persistent ids naming storages that are not in the archive, or not storages at all', async () => {
    const tensorOf = (persid: Uint8Array) =>
      bytes(PROTO2, '}', '(', str('t'), global('torch._utils', '_rebuild_tensor_v2'), '(', persid, 'K', 0, '(', int(2), 't', '(', int(1), 't', 0x89, '}', 't', 'R', 'u', '.');
    const storage = (key: string) => bytes('(', str('storage'), global('torch', 'FloatStorage'), str(key), str('cpu'), 'K', 2, 't', 'Q');
    for (const [name, pkl, why] of [
      ['missing', tensorOf(storage('7')), /no entry archive\/data\/7/],
      ['traversal', tensorOf(storage('../../../../etc/passwd')), /no entry archive\/data\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd/],
      ['not-a-storage', tensorOf(bytes('(', str('module'), str('os'), 't', 'Q')), /unexpected persistent id/],
    ] as const) {
      const err = await checkpointError(write(`pid-${name}.pth`, zip({ 'archive/data.pkl': pkl })));
      expect(err.message, name).toMatch(why);
    }
  });

  it('reads nothing outside the archive for entries named with ../ or an absolute path, and refuses sizes beyond the file', async () => {
    const pkl = bytes(PROTO2, '}', '.');
    // The entries are looked up by name inside the archive's bytes: nothing is extracted or opened.
    const ckpt = await readTorchCheckpoint(write('odd-names.pth', zip({ 'archive/data.pkl': pkl, '../../evil': bytes('x'), '/etc/cron.d/evil': bytes('x') })));
    expect(ckpt.format).toBe('zip');
    expect(existsSync('/etc/cron.d/evil')).toBe(false);
    // A storage whose data is shorter than its declared element count.
    const big = bytes(PROTO2, '}', '(', str('t'), global('torch._utils', '_rebuild_tensor_v2'), '(', '(', str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), 'J', u32(0x7fffffff), 't', 'Q', 'K', 0, '(', 'J', u32(0x7fffffff), 't', '(', 'K', 1, 't', 0x89, '}', 't', 'R', 'u', '.');
    const err = await checkpointError(write('declared-size.pth', zip({ 'archive/data.pkl': big, 'archive/data/0': new Uint8Array(16) })));
    expect(err.message).toMatch(/storage 0 holds 16 bytes, its tensor needs 8589934588/);
    // A deflated entry that inflates past the size its directory declares.
    const { deflateRawSync } = await import('node:zlib');
    const archive = Buffer.from(zip({ 'archive/data.pkl': deflateRawSync(Buffer.alloc(1 << 20)) }));
    const central = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const local = 0;
    archive.writeUInt16LE(8, local + 8), archive.writeUInt16LE(8, central + 10); // method: deflate
    archive.writeUInt32LE(100, central + 24); // declared size: 100 bytes
    const bomb = await checkpointError(write('bomb.pth', archive));
    expect(bomb.message).toMatch(/archive\/data\.pkl does not inflate|inflates to/);
  });
});

describe('unpickle', () => {
  const load = (...parts: (number | string | Uint8Array)[]) => unpickle(bytes(PROTO2, ...parts, '.'), { file: 'x.pkl' }).value;

  it('shares memoised objects and builds tuples', () => {
    const v = load(']', 'q', 0, 'h', 0, 0x86) as unknown[][];
    expect(v).toEqual([[], []]);
    expect(v[0]).toBe(v[1]);
    expect(load('K', 1, 'K', 2, 'K', 3, 0x87, 0x94, 'h', 0, 0x86)).toEqual([[1, 2, 3], [1, 2, 3]]);
  });

  it('reads numbers, None and booleans', () => {
    const long = Buffer.from('6cfc9c46f9206aa85019', 'hex');
    const v = load(']', '(', int(-5), 'M', 0x34, 0x12, 'G', Buffer.from('3ff8000000000000', 'hex'), 'N', 0x88, 0x89, 0x8a, 10, long, 0x8a, 1, 0xff, 'e');
    expect(v).toEqual([-5, 0x1234, 1.5, null, true, false, 0x1950a86a20f9469cfc6cn, -1]);
  });

  it('makes an OrderedDict (REDUCE) a Map in insertion order', () => {
    const v = load(global('collections', 'OrderedDict'), ')', 'R', '(', str('b'), 'K', 2, str('a'), 'K', 1, 'u');
    expect(v).toBeInstanceOf(Map);
    expect([...(v as Map<string, number>)]).toEqual([['b', 2], ['a', 1]]);
  });

  it('builds an argparse.Namespace (NEWOBJ + BUILD) as a plain object', () => {
    const v = load(global('argparse', 'Namespace'), ')', 0x81, '}', '(', str('lr'), 'K', 3, str('arch'), str('r2plus1d_18'), 'u', 'b');
    expect({ ...(v as object) }).toEqual({ lr: 3, arch: 'r2plus1d_18' });
  });

  it('rebuilds a numpy scalar from _codecs.encode bytes, a device and a set', () => {
    const dtype = bytes(global('numpy', 'dtype'), str('f8'), 0x89, 0x88, 0x87, 'R', '(', 'K', 3, str('<'), 'N', 'N', 'N', int(-1), int(-1), 'K', 0, 't', 'b');
    const raw = bytes(global('_codecs', 'encode'), str('\0\0\0\0\0\0\u00e8?'), str('latin1'), 0x86, 'R'); // 0.75 as little-endian f8
    expect(load(global('numpy.core.multiarray', 'scalar'), dtype, raw, 0x86, 'R')).toBe(0.75);
    expect(load(global('torch', 'device'), str('cuda'), 'K', 0, 0x86, 'R')).toBe('cuda:0');
    expect(load(global('__builtin__', 'set'), ']', '(', 'K', 1, 'K', 2, 'e', 0x85, 'R')).toEqual(new Set([1, 2]));
  });

  it('refuses unknown globals, also by STACK_GLOBAL', () => {
    expect(() => load(global('builtins', 'eval'), ')', 'R')).toThrow('unknown global builtins.eval');
    expect(() => load(0x8c, 2, 'os', 0x8c, 6, 'system', 0x93)).toThrow('unknown global os.system');
    expect(() => load(global('torch.storage', '_load_from_bytes'))).toThrow(CheckpointError);
  });

  it('names an unsupported opcode and its byte', () => {
    expect(() => load('K', 1, 'I', '1\n')).toThrow("unsupported pickle opcode 0x49 ('I') at byte 4");
  });

  it('says where a truncated pickle ends', () => {
    expect(() => unpickle(bytes(PROTO2, 'X', u32(100), 'ab'), { file: 'x.pkl' })).toThrow(/x\.pkl: truncated/);
  });
});

// ============ TorchTensor ============

describe('TorchTensor.toFloat32', () => {
  const tensor = (dtype: TorchDtype, data: ArrayBufferView, shape: number[], stride: number[], storageOffset = 0) =>
    new TorchTensor({ dtype, shape, stride, storageOffset, storage: { dtype, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) } });

  it('copies a strided view with an offset row-major', () => {
    // element [i, j] = storage[1 + i + 3j]
    const t = tensor('float32', Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), [3, 2], [1, 3], 1);
    expect(t.numel).toBe(6);
    expect(t.isContiguous()).toBe(false);
    expect(Array.from(t.toFloat32())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(t.outOfBounds()).toBeUndefined();
    expect(tensor('float32', Float32Array.of(0, 1), [3], [1], 0).outOfBounds()).toMatch(/reads elements 0\.\.2 of a storage of 2/);
  });

  it('converts float64, float16, bfloat16, int64 and int32, from unaligned bytes', () => {
    const unaligned = (a: ArrayBufferView) => {
      const b = new Uint8Array(a.byteLength + 1);
      b.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 1);
      return b.subarray(1);
    };
    expect(Array.from(tensor('float64', unaligned(Float64Array.of(0.5, -2)), [2], [1]).toFloat32())).toEqual([0.5, -2]);
    expect(Array.from(tensor('float16', Uint16Array.of(0x3c00, 0xc000, 0x0001), [3], [1]).toFloat32())).toEqual([1, -2, Math.fround(2 ** -24)]);
    expect(Array.from(tensor('bfloat16', Uint16Array.of(0x3fc0, 0xbf80), [2], [1]).toFloat32())).toEqual([1.5, -1]);
    expect(Array.from(tensor('int64', unaligned(BigInt64Array.of(-3n, 5000000000n)), [2], [1]).toFloat32())).toEqual([-3, 5e9]);
    expect(Array.from(tensor('int32', Int32Array.of(7, -8), [2, 1], [1, 1]).toFloat32())).toEqual([7, -8]);
    expect(Array.from(tensor('float32', unaligned(Float32Array.of(2.5)), [], []).toFloat32())).toEqual([2.5]);
  });
});
