import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, readNpyArray, readNpyMatrix, writeNpy } from '../../src/data/npy.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'selavi-npy-'));

/** A hand-made .npy v1.0 with the given header and data bytes (what numpy.save writes). */
function handMade(header: string, data: Uint8Array, version = 1): Buffer {
  const pad = ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64);
  const h = Buffer.from(header + pad + '\n', 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, 0, 0]);
  pre.writeUInt16LE(h.length, 8);
  return Buffer.concat([pre, h, Buffer.from(data)]);
}

describe('npy', () => {
  it('reads float32 and float64 C-order matrices', () => {
    const f32 = path.join(dir, 'a.npy');
    writeFileSync(f32, handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer)));
    expect(readNpyMatrix(f32)).toMatchObject({ rows: 2, cols: 3, dtype: '<f4', data: new Float32Array([1, 2, 3, 4, 5, 6]) });
    const f64 = path.join(dir, 'b.npy');
    writeFileSync(f64, handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", new Uint8Array(new Float64Array([0.5, -1, 2, 3, 4, 1e10]).buffer)));
    expect(readNpyMatrix(f64)).toMatchObject({ rows: 3, cols: 2, dtype: '<f8', data: new Float32Array([0.5, -1, 2, 3, 4, 1e10]) });
  });

  it('reads into memory the caller gives (at an offset in a bigger buffer), float32 and float64 alike', () => {
    const f32 = path.join(dir, 'into32.npy');
    writeFileSync(f32, handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer)));
    const f64 = path.join(dir, 'into64.npy');
    writeFileSync(f64, handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", new Uint8Array(new Float64Array([6, 5, 4, 3, 2, 1]).buffer)));
    for (const [file, values] of [[f32, [1, 2, 3, 4, 5, 6]], [f64, [6, 5, 4, 3, 2, 1]]] as const) {
      const whole = new Float32Array(10).fill(-7);
      const asked: number[][] = [];
      const m = readNpyMatrix(file, (rows, cols) => (asked.push([rows, cols]), whole.subarray(2, 2 + rows * cols)));
      expect(asked).toEqual([[2, 3]]);
      expect(m.data.buffer).toBe(whole.buffer);
      expect(Array.from(whole)).toEqual([-7, -7, ...values, -7, -7]); // nothing written outside the view
    }
    // A destination of the wrong size is refused; none given (undefined) means one is allocated.
    expect(() => readNpyMatrix(f32, () => new Float32Array(5))).toThrow(/holds 5 values, expected 6/);
    expect(readNpyMatrix(f32, () => undefined).data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
  });

  it('reorders a Fortran-order file into its own array, whatever destination is offered', () => {
    const f = path.join(dir, 'fortran.npy');
    writeFileSync(f, handMade("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", new Uint8Array(new Float32Array([1, 4, 2, 5, 3, 6]).buffer)));
    let offered = false;
    const m = readNpyMatrix(f, () => ((offered = true), new Float32Array(6)));
    expect(offered).toBe(false);
    expect(m.data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
  });

  it('writes int32 labels with a 64-byte aligned header that reads back', () => {
    const buf = encodeNpy(new Int32Array([3, 1, 2]), [3]);
    expect(buf.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    const headerLen = buf.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(buf.subarray(10, 10 + headerLen).toString('latin1')).toContain("'descr': '<i4', 'fortran_order': False, 'shape': (3,)");
    expect(Array.from(new Int32Array(buf.buffer.slice(buf.byteOffset + 10 + headerLen, buf.byteOffset + buf.length)))).toEqual([3, 1, 2]);
    const f = path.join(dir, 'm.npy');
    writeNpy(f, new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(readNpyMatrix(f).data).toEqual(new Float32Array([1, 2, 3, 4]));
  });

  it.each([
    ['empty.npy', Buffer.alloc(0), /empty file/],
    ['text.npy', Buffer.from('hello, not numpy'), /bad magic/],
    ['int.npy', handMade("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", new Uint8Array(16)), /dtype <i8 not supported/],
    ['bool.npy', handMade("{'descr': '|b1', 'fortran_order': False, 'shape': (1, 2), }", new Uint8Array(2)), /dtype \|b1 not supported/],
    ['vector.npy', handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(16)), /2-D matrix/],
    ['short.npy', handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 10), }", new Uint8Array(8)), /truncated .npy/],
    ['noshape.npy', handMade("{'descr': '<f4', 'fortran_order': False}", new Uint8Array(8)), /malformed .npy header/],
  ])('throws an InputError naming the file for %s', (name, bytes, reason) => {
    const f = path.join(dir, name);
    writeFileSync(f, bytes);
    expect(() => readNpyMatrix(f)).toThrow(InputError);
    expect(() => readNpyMatrix(f)).toThrow(reason);
    expect(() => readNpyMatrix(f)).toThrow(f);
  });

  it('throws an InputError for a missing file', () => {
    expect(() => readNpyMatrix(path.join(dir, 'nope.npy'))).toThrow(/nope\.npy: cannot open: ENOENT/);
    expect(() => readNpyMatrix(dir)).toThrow(/: a folder, not a \.npy file/); // was EISDIR from readSync, an internal error
  });
});

describe('readNpyArray', () => {
  it('reads an array of any rank with its shape (the official fixture video input is 5-D)', () => {
    const f = path.join(dir, 'cube.npy');
    writeFileSync(f, encodeNpy(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]), [2, 2, 2]));
    expect(readNpyArray(f)).toMatchObject({ shape: [2, 2, 2], dtype: '<f4', data: new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]) });
    expect(() => readNpyArray(f, 3 + 1)).toThrow(/expected 4 dimensions, got shape \(2, 2, 2\)/);
    expect(() => readNpyMatrix(f)).toThrow(/expected a 2-D matrix/);
  });

  it('reorders a Fortran-order array (a transposed view numpy saved) to C order', () => {
    const f = path.join(dir, 'fortran.npy');
    // [[0, 1, 2], [3, 4, 5]] in Fortran order: columns first.
    writeFileSync(f, handMade("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", new Uint8Array(new Float32Array([0, 3, 1, 4, 2, 5]).buffer)));
    expect(readNpyArray(f)).toMatchObject({ shape: [2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) });
  });

  it('reads int64 and int32 arrays as float32 values', () => {
    const f = path.join(dir, 'labels.npy');
    writeFileSync(f, handMade("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(new BigInt64Array([3n, -1n, 7n]).buffer)));
    expect(readNpyArray(f)).toMatchObject({ shape: [3], dtype: '<i8', data: new Float32Array([3, -1, 7]) });
    expect(() => readNpyMatrix(f)).toThrow(/expected a 2-D matrix/);
  });
});
