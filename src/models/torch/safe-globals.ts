/**
 * The only Python names a checkpoint's pickle may refer to, each rebuilt here as plain data.
 * Python's unpickler imports whatever a pickle names and calls it, which is how a pickle runs
 * code; we look the name up in this allow-list instead and refuse the rest. Nothing is imported,
 * evaluated or executed: every entry below is a small pure function of its arguments.
 *
 * What each name becomes: `collections.OrderedDict` a Map, `torch._utils._rebuild_tensor_v2` a
 * TorchTensor, a `_rebuild_parameter` its tensor, `torch.FloatStorage` etc. a StorageType (the
 * persistent-id tuples name them), `argparse.Namespace` a plain object (null prototype),
 * `torch.device` a string ('cpu', 'cuda:0'), `torch.Size` an array, `builtins.set` a Set,
 * `_codecs.encode` bytes, a numpy scalar a Number. `torch.storage._load_from_bytes` is refused on
 * purpose: it runs torch.load on nested bytes.
 */
import { STORAGE_DTYPES, TorchTensor, type TorchDtype, type TorchStorage } from './torch-tensor.js';

/** A resolved GLOBAL: what REDUCE (`call`) or NEWOBJ (`construct`) make of it. */
export interface PickleGlobal {
  readonly module: string;
  readonly name: string;
  /** `f(*args)` for REDUCE; absent when the name is not callable here. */
  readonly call?: (args: unknown[]) => unknown;
  /** `cls.__new__(cls, *args)` for NEWOBJ. */
  readonly construct?: (args: unknown[]) => unknown;
}

/** A storage class (`torch.FloatStorage`, ...): the persistent ids of tensors' storages name one. */
export interface StorageType extends PickleGlobal {
  readonly dtype: TorchDtype;
}

/** A numpy dtype, as `numpy.dtype('f8', False, True)` plus its BUILD state give it. */
export class NumpyDtype {
  /** '<' little, '>' big, '|' not applicable, '=' native. */
  byteorder = '=';
  constructor(readonly code: string) {}
}

/** An argument or state the allow-listed constructor cannot use; the unpickler adds the place. */
export class PickleValueError extends Error {
  override name = 'PickleValueError';
}

/** True for the StorageType a GLOBAL such as `torch.FloatStorage` resolves to. @example isStorageType(resolveGlobal('torch', 'HalfStorage')) // true */
export function isStorageType(x: unknown): x is StorageType {
  return typeof x === 'object' && x !== null && 'dtype' in x && 'module' in x && (x as StorageType).module === 'torch';
}

/** The allow-listed global `module.name`, or undefined when it is refused. @example resolveGlobal('os', 'system') // undefined */
export function resolveGlobal(module: string, name: string): PickleGlobal | undefined {
  const full = `${module}.${name}`;
  const entry = GLOBALS[full];
  if (entry) return { module, name, ...entry };
  if (module === 'torch' && name in STORAGE_DTYPES) return { module, name, dtype: STORAGE_DTYPES[name] } as StorageType;
  if (full === 'torch.UntypedStorage') return { module, name, dtype: 'uint8' } as StorageType;
  return undefined;
}

/** BUILD: set `state` on `obj`, as `obj.__setstate__(state)` or `obj.__dict__.update(state)` would. @example applyState(Object.create(null), new Map([['lr', 0.1]])) */
export function applyState(obj: unknown, state: unknown): void {
  if (obj instanceof Map) return; // an OrderedDict's attributes (a state dict's `_metadata`): dropped
  if (obj instanceof NumpyDtype) {
    // (version, byteorder, subdtype, names, fields, elsize, alignment, flags)
    if (Array.isArray(state) && typeof state[1] === 'string') obj.byteorder = state[1];
    return;
  }
  if (isPlainObject(obj)) {
    // a (dict_state, slots_state) pair or a dict
    const dicts = Array.isArray(state) ? state : [state];
    for (const d of dicts) {
      if (d === null) continue;
      if (!(d instanceof Map)) throw new PickleValueError(`object state is ${describe(d)}, not a dict`);
      for (const [k, v] of d) {
        if (typeof k !== 'string') throw new PickleValueError(`object attribute name is ${describe(k)}`);
        Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
    }
    return;
  }
  throw new PickleValueError(`cannot set state on ${describe(obj)}`);
}

/** A short description of a value for messages. @example describe(null) // 'None' */
export function describe(x: unknown): string {
  if (x === null) return 'None';
  if (Array.isArray(x)) return `a tuple/list of ${x.length}`;
  if (x instanceof Map) return 'a dict';
  if (x instanceof TorchTensor) return `a tensor [${x.shape}]`;
  if (x instanceof Uint8Array) return `${x.length} bytes`;
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}

// ============ the allow-list ============

type Entry = Pick<PickleGlobal, 'call' | 'construct'>;

const orderedDict: Entry = {
  call: (args) => new Map(args.length ? pairs(args[0]) : []),
  construct: () => new Map(),
};
const rebuildTensor = (args: unknown[]): TorchTensor => {
  const [storage, storageOffset, shape, stride] = args;
  if (!isStorage(storage)) throw new PickleValueError(`expected a storage, got ${describe(storage)}`);
  const sizes = ints(shape, 'size');
  const strides = ints(stride, 'stride');
  // A damaged file can pair any size with any stride: say so here, not as a RangeError later.
  if (sizes.length !== strides.length) throw new PickleValueError(`tensor size [${sizes}] and stride [${strides}] differ in rank`);
  if (sizes.some((n) => n < 0)) throw new PickleValueError(`tensor size [${sizes}] has a negative dimension`);
  return new TorchTensor({ dtype: storage.dtype, storageOffset: int(storageOffset, 'storage offset'), shape: sizes, stride: strides, storage });
};
const rebuildParameter = (args: unknown[]): unknown => {
  if (!(args[0] instanceof TorchTensor)) throw new PickleValueError(`expected a tensor, got ${describe(args[0])}`);
  return args[0];
};
const namespace: Entry = { call: () => Object.create(null), construct: () => Object.create(null) };
const set: Entry = { call: (args) => new Set(args.length ? iterable(args[0]) : []) };
const numpyScalar: Entry = { call: (args) => numpyScalarValue(args[0], args[1]) };
const numpyDtype: Entry = { call: (args) => new NumpyDtype(String(args[0])) };

const GLOBALS: Readonly<Record<string, Entry>> = {
  'collections.OrderedDict': orderedDict,
  'torch._utils._rebuild_tensor': { call: rebuildTensor },
  'torch._utils._rebuild_tensor_v2': { call: rebuildTensor },
  'torch._utils._rebuild_parameter': { call: rebuildParameter },
  'torch._utils._rebuild_parameter_with_state': { call: rebuildParameter },
  'torch.device': { call: (args) => (args[1] == null ? String(args[0]) : `${String(args[0])}:${String(args[1])}`) },
  'torch.Size': { call: (args) => ints(args[0], 'torch.Size') },
  'argparse.Namespace': namespace,
  'builtins.set': set,
  'builtins.frozenset': set,
  '__builtin__.set': set, // protocol 2 writes Python 3's `builtins` under its Python 2 name
  '__builtin__.frozenset': set,
  '_codecs.encode': { call: (args) => encode(args[0], args[1]) },
  'numpy.core.multiarray.scalar': numpyScalar,
  'numpy._core.multiarray.scalar': numpyScalar,
  'numpy.dtype': numpyDtype,
};

// ============ argument checks ============

function isStorage(x: unknown): x is TorchStorage {
  return typeof x === 'object' && x !== null && 'dtype' in x && 'data' in x && (x as TorchStorage).data instanceof Uint8Array;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === null;
}

function int(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new PickleValueError(`${what} is ${describe(x)}, not an integer`);
  return x;
}

function ints(x: unknown, what: string): number[] {
  if (!Array.isArray(x)) throw new PickleValueError(`${what} is ${describe(x)}, not a tuple`);
  return x.map((v) => int(v, what));
}

function iterable(x: unknown): Iterable<unknown> {
  if (Array.isArray(x) || x instanceof Set) return x;
  throw new PickleValueError(`expected a list, got ${describe(x)}`);
}

function pairs(x: unknown): [unknown, unknown][] {
  if (x instanceof Map) return [...x];
  return [...iterable(x)].map((p) => {
    if (!Array.isArray(p) || p.length !== 2) throw new PickleValueError(`expected (key, value) pairs, got ${describe(p)}`);
    return [p[0], p[1]];
  });
}

/** `_codecs.encode(text, encoding)`: how protocol 2 spells Python 3 `bytes`. */
function encode(text: unknown, encoding: unknown): Uint8Array {
  if (typeof text !== 'string') throw new PickleValueError(`expected a string, got ${describe(text)}`);
  const enc = String(encoding).toLowerCase().replace('_', '-');
  if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(text);
  if (enc !== 'latin1' && enc !== 'latin-1' && enc !== 'iso-8859-1') throw new PickleValueError(`unsupported encoding ${String(encoding)}`);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255) throw new PickleValueError('latin1 text holds a character above U+00FF');
    out[i] = c;
  }
  return out;
}

/** `numpy.core.multiarray.scalar(dtype, bytes)`: a numpy number saved in a checkpoint (e.g. a best accuracy). */
function numpyScalarValue(dtype: unknown, bytes: unknown): number | boolean {
  if (!(dtype instanceof NumpyDtype)) throw new PickleValueError(`expected a numpy dtype, got ${describe(dtype)}`);
  if (!(bytes instanceof Uint8Array)) throw new PickleValueError(`expected bytes, got ${describe(bytes)}`);
  const little = dtype.byteorder !== '>';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = dtype.code.replace(/^[<>=|]/, '');
  const read: Record<string, [number, () => number | boolean]> = {
    f8: [8, () => view.getFloat64(0, little)],
    f4: [4, () => view.getFloat32(0, little)],
    i8: [8, () => Number(view.getBigInt64(0, little))],
    u8: [8, () => Number(view.getBigUint64(0, little))],
    i4: [4, () => view.getInt32(0, little)],
    u4: [4, () => view.getUint32(0, little)],
    i2: [2, () => view.getInt16(0, little)],
    u2: [2, () => view.getUint16(0, little)],
    i1: [1, () => view.getInt8(0)],
    u1: [1, () => view.getUint8(0)],
    b1: [1, () => view.getUint8(0) !== 0],
  };
  const r = read[code];
  if (!r) throw new PickleValueError(`unsupported numpy scalar dtype ${dtype.code}`);
  if (bytes.length !== r[0]) throw new PickleValueError(`numpy ${dtype.code} scalar has ${bytes.length} bytes`);
  return r[1]();
}

