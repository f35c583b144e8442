/**
 * A PyTorch tensor as a checkpoint stores it: a strided view (sizes, strides, offset, all in
 * elements) into a flat storage of little-endian bytes. The bytes stay a view into the file's
 * buffer; `toFloat32()` is the one place that copies, into a contiguous row-major Float32Array.
 */

/** The element types a checkpoint's storages hold. */
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<TorchDtype, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** The dtype of each legacy storage class (`torch.FloatStorage`, ...) that pickles name. */
export const STORAGE_DTYPES: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** A flat run of elements; several tensors may share one. */
export interface TorchStorage {
  dtype: TorchDtype;
  /** Raw little-endian bytes, usually a view into the checkpoint's buffer (do not write to it). */
  data: Uint8Array;
}

/** What a tensor is made of; the fields of `TorchTensor`. */
export interface TorchTensorInit {
  dtype: TorchDtype;
  shape: number[];
  stride: number[];
  storageOffset: number;
  storage: TorchStorage;
}

/** A tensor read from a checkpoint: `element[i0, i1, ...] = storage[storageOffset + Σ ik·stride[k]]`. */
export class TorchTensor {
  readonly dtype: TorchDtype;
  /** Sizes per dimension; `[]` for a scalar. */
  readonly shape: number[];
  /** Elements to step in the storage per step along each dimension. */
  readonly stride: number[];
  /** Index (in elements, not bytes) of element [0, 0, ...] in the storage. */
  readonly storageOffset: number;
  readonly storage: TorchStorage;

  constructor(init: TorchTensorInit) {
    if (init.shape.length !== init.stride.length) {
      throw new RangeError(`TorchTensor: shape [${init.shape}] and stride [${init.stride}] differ in rank`);
    }
    this.dtype = init.dtype;
    this.shape = init.shape;
    this.stride = init.stride;
    this.storageOffset = init.storageOffset;
    this.storage = init.storage;
  }

  /** Number of elements: the product of the sizes (1 for a scalar). */
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /**
   * Why a tensor does not fit its storage (a corrupt or truncated file), or undefined when it fits.
   * @example if (t.outOfBounds()) throw new Error(t.outOfBounds())
   */
  outOfBounds(): string | undefined {
    const size = this.storage.data.byteLength / DTYPE_BYTES[this.storage.dtype];
    if (this.numel === 0) return undefined;
    let last = this.storageOffset;
    for (let d = 0; d < this.shape.length; d++) last += (this.shape[d] - 1) * this.stride[d];
    const first = this.storageOffset + this.shape.reduce((s, n, d) => s + Math.min(0, (n - 1) * this.stride[d]), 0);
    if (first < 0 || last >= size) return `tensor of shape [${this.shape}] reads elements ${first}..${last} of a storage of ${size}`;
    return undefined;
  }

  /**
   * A contiguous row-major float32 copy, honouring offset, sizes and strides; float64, float16,
   * bfloat16 and integers are converted (int64 through Number, exact up to 2^53).
   * @example new TorchTensor({ dtype: 'float32', shape: [2], stride: [1], storageOffset: 0, storage }).toFloat32()
   */
  toFloat32(): Float32Array {
    const n = this.numel;
    const out = new Float32Array(n);
    if (n === 0) return out;
    const src = this.storage.data;
    const read = elementReader(this.dtype, src);
    if (this.isContiguous()) {
      if (this.dtype === 'float32' && LITTLE_ENDIAN_HOST) {
        // one byte copy; the copy is aligned even when the view into the file is not
        new Uint8Array(out.buffer).set(src.subarray(this.storageOffset * 4, (this.storageOffset + n) * 4));
      } else {
        for (let i = 0; i < n; i++) out[i] = read(this.storageOffset + i);
      }
      return out;
    }
    // odometer over the destination's row-major index, tracking the source element index
    const rank = this.shape.length;
    const index = new Array<number>(rank).fill(0);
    let at = this.storageOffset;
    for (let i = 0; i < n; i++) {
      out[i] = read(at);
      for (let d = rank - 1; d >= 0; d--) {
        if (++index[d] < this.shape[d]) {
          at += this.stride[d];
          break;
        }
        at -= (this.shape[d] - 1) * this.stride[d];
        index[d] = 0;
      }
    }
    return out;
  }

  /** True when the strides are the row-major ones (sizes of 1 may have any stride). */
  isContiguous(): boolean {
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.stride[d] !== expected) return false;
      expected *= this.shape[d];
    }
    return true;
  }
}

/** Typed arrays use the host's byte order; the storages are little-endian. */
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A function reading element `i` (in elements) of little-endian bytes as a Number. */
function elementReader(dtype: TorchDtype, bytes: Uint8Array): (i: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32':
      return (i) => view.getFloat32(i * 4, true);
    case 'float64':
      return (i) => view.getFloat64(i * 8, true);
    case 'float16':
      return (i) => halfToFloat(view.getUint16(i * 2, true));
    case 'bfloat16': {
      // bfloat16 is the top half of a float32
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      return (i) => {
        u[0] = view.getUint16(i * 2, true) << 16;
        return f[0];
      };
    }
    case 'int64':
      return (i) => view.getInt32(i * 8 + 4, true) * 4294967296 + view.getUint32(i * 8, true);
    case 'int32':
      return (i) => view.getInt32(i * 4, true);
    case 'int16':
      return (i) => view.getInt16(i * 2, true);
    case 'int8':
      return (i) => view.getInt8(i);
    case 'uint8':
    case 'bool':
      return (i) => view.getUint8(i);
  }
}

/** IEEE 754 half (1 sign, 5 exponent, 10 mantissa bits) to a Number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
