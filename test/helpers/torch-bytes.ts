/**
 * Tiny byte builders for PyTorch checkpoints by hand: pickle opcodes, stored (uncompressed) zip
 * archives, and a complete legacy-format file. Used by the checkpoint tests and the reader fuzzer.
 */

/** Bytes from parts: a number is one byte, a string its latin1 bytes. */
export function bytes(...parts: (number | string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'number' ? Uint8Array.of(p) : typeof p === 'string' ? Buffer.from(p, 'latin1') : p));
  return Buffer.concat(chunks);
}
export const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer);
export const str = (s: string) => bytes('X', u32(Buffer.byteLength(s)), Buffer.from(s)); // BINUNICODE
export const int = (n: number) => bytes('J', Buffer.from(Int32Array.of(n).buffer)); // BININT
export const global = (module: string, name: string) => bytes('c', `${module}\n${name}\n`);
export const PROTO2 = bytes(0x80, 2);

/** A zip archive of stored entries (no CRCs: the reader does not check them). */
export function zip(entries: Record<string, Uint8Array>): Uint8Array {
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const n = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0), h.writeUInt16LE(20, 4), h.writeUInt32LE(data.length, 18), h.writeUInt32LE(data.length, 22), h.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0), c.writeUInt16LE(20, 6), c.writeUInt32LE(data.length, 20), c.writeUInt32LE(data.length, 24), c.writeUInt16LE(n.length, 28), c.writeUInt32LE(offset, 42);
    local.push(h, n, data);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0), end.writeUInt16LE(local.length / 3, 8), end.writeUInt16LE(local.length / 3, 10);
  end.writeUInt32LE(dir.length, 12), end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, dir, end]);
}

/**
 * A legacy-format (pre-1.6 `torch.save`) checkpoint: a dict {view: a 3-element view of a storage,
 * t: a transposed 2x3 tensor of another}, both float32 storages of 6 values 0..5.
 */
export function legacyCheckpoint(): Uint8Array {
  const magic = bytes(PROTO2, 0x8a, 10, Buffer.from('6cfc9c46f9206aa85019', 'hex'), '.');
  const storage = (view: Uint8Array) => bytes('(', str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), 'K', 6, view, 't', 'Q');
  const tensor = (persid: Uint8Array, shape: number[], stride: number[]) =>
    bytes(global('torch._utils', '_rebuild_tensor_v2'), '(', persid, 'K', 0, '(', ...shape.map(int), 't', '(', ...stride.map(int), 't', 0x89, '}', 't', 'R');
  const main = bytes(PROTO2, '}', '(', str('view'), tensor(storage(bytes('(', str('1'), 'K', 2, 'K', 3, 't')), [3], [1]), str('t'), tensor(storage(bytes('N')), [2, 3], [1, 2]), 'u', '.');
  const data = Buffer.concat([Buffer.from(BigInt64Array.of(6n).buffer), Buffer.from(Float32Array.of(0, 1, 2, 3, 4, 5).buffer)]);
  const keys = bytes(PROTO2, ']', '(', str('0'), 'e', '.');
  return bytes(magic, PROTO2, 'M', 0xe9, 3, '.', PROTO2, '}', '.', main, keys, data);
}

/** A zip-format (`torch.save` since 1.6) checkpoint: {t: a 2x3 float32 tensor 0..5} in archive/. */
export function zipCheckpoint(): Uint8Array {
  const storage = bytes('(', str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), 'K', 6, 't', 'Q');
  const tensor = bytes(global('torch._utils', '_rebuild_tensor_v2'), '(', storage, 'K', 0, '(', int(2), int(3), 't', '(', int(3), int(1), 't', 0x89, '}', 't', 'R');
  const pkl = bytes(PROTO2, '}', '(', str('t'), tensor, 'u', '.');
  return zip({ 'archive/data.pkl': pkl, 'archive/data/0': Buffer.from(Float32Array.of(0, 1, 2, 3, 4, 5).buffer), 'archive/version': bytes('3\n') });
}
