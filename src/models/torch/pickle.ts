/**
 * A small, safe unpickler for the binary protocols 2-5: the opcodes PyTorch checkpoints use, and
 * no others. Python dicts become Maps (they keep order and non-string keys such as an optimizer
 * state's parameter ids), lists and tuples become arrays, str a string, bytes a Uint8Array,
 * ints a Number (a BigInt beyond 2^53), None null. GLOBAL and STACK_GLOBAL resolve names only
 * through the allow-list in safe-globals.ts: anything else is a CheckpointError, so a pickle can
 * never make us import or run anything. Every read is bounds-checked: a truncated pickle is a
 * CheckpointError naming the byte where it ends.
 * Reference: CPython's Lib/pickle.py (`_Unpickler`) and Lib/pickletools.py (opcode docs).
 */
import { CheckpointError } from '../../errors.js';
import { applyState, describe, PickleValueError, resolveGlobal, type PickleGlobal } from './safe-globals.js';

/** Options of `unpickle`. */
export interface UnpickleOptions {
  /** Named in every error (the checkpoint file). */
  file: string;
  /** Byte where the pickle starts; default 0 (a legacy checkpoint holds several pickles in a row). */
  offset?: number;
  /** Turns a persistent id (BINPERSID; PyTorch's storage references) into an object; without it BINPERSID is an error. */
  persistentLoad?: (pid: unknown) => unknown;
}

/** The unpickled value and the byte just after its STOP. */
export interface Unpickled {
  value: unknown;
  end: number;
}

/**
 * Reads one pickle from `data` at `opts.offset`.
 * @example unpickle(Uint8Array.of(0x80, 2, 0x4b, 7, 0x2e), { file: 'x.pkl' }) // { value: 7, end: 5 }
 */
export function unpickle(data: Uint8Array, opts: UnpickleOptions): Unpickled {
  const { file, persistentLoad } = opts;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const memo = new Map<number, unknown>();
  const marks: unknown[][] = []; // the stacks saved by MARK
  let stack: unknown[] = [];
  let pos = opts.offset ?? 0;
  let opAt = pos; // where the current opcode starts, for messages
  let op = 0;

  const fail = (reason: string): never => {
    throw new CheckpointError(file, `${reason} (pickle opcode ${opName(op)} at byte ${opAt})`);
  };
  const refuse = (reason: string): never => {
    throw new CheckpointError(file, reason);
  };
  const need = (n: number): number => {
    if (!(n >= 0 && pos + n <= data.length)) fail(`truncated: the data end at byte ${data.length}, inside the pickle`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => data[need(1)];
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => {
    const n = view.getBigUint64(need(8), true);
    return n > BigInt(data.length) ? fail(`length ${n} is beyond the data`) : Number(n);
  };
  const bytes = (n: number) => data.subarray(need(n), pos);
  const text = (n: number) => utf8.decode(bytes(n));
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('truncated: a GLOBAL name without its newline');
    return text(end - pos + 1).slice(0, -1);
  };
  const pop = () => (stack.length ? stack.pop() : fail('the stack is empty'));
  const top = () => (stack.length ? stack[stack.length - 1] : fail('the stack is empty'));
  const popMark = (): unknown[] => {
    const items = stack;
    stack = marks.pop() ?? fail('no MARK to pop to');
    return items;
  };
  // pop to the mark first, then push on the restored stack (`stack.push(popMark())` would push on the old one)
  const pushMarked = (make: (items: unknown[]) => unknown) => {
    const items = popMark();
    stack.push(make(items));
  };
  const get = (i: number) => (memo.has(i) ? memo.get(i) : fail(`memo ${i} was never stored`));
  const global = (module: string, name: string): PickleGlobal =>
    resolveGlobal(module, name) ??
    refuse(`unknown global ${module}.${name} in the pickle (refused: unpickling it could run code)`);
  // an allow-listed constructor's complaint, with the place in the pickle
  const guarded = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof PickleValueError) return fail(`${what}: ${err.message}`);
      throw err;
    }
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) return fail(`SETITEMS on ${describe(target)}, not a dict`);
    if (items.length % 2) fail(`SETITEMS with an odd number (${items.length}) of keys and values`);
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (Array.isArray(target)) for (const x of items) target.push(x);
    else if (target instanceof Set) for (const x of items) target.add(x);
    else fail(`APPEND on ${describe(target)}, not a list`);
  };

  for (;;) {
    opAt = pos;
    if (pos >= data.length) refuse(`truncated: the data end at byte ${pos}, before the pickle's STOP`);
    op = data[pos++];
    switch (op) {
      case 0x80: {
        // PROTO
        const v = u8();
        if (v < 2 || v > 5) fail(`pickle protocol ${v} (only 2-5 are read)`);
        break;
      }
      case 0x95: // FRAME: a length hint; the frame's opcodes follow inline
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;

      // ---- containers ----
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        pushMarked((items) => items);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        pushMarked((items) => items);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        pushMarked((items) => new Set(items));
        break;

      // ---- scalars ----
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT: signed 4 bytes
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1: two's complement, little-endian, 1-byte length
        stack.push(longFrom(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longFrom(bytes(u32())));
        break;
      case 0x47: // BINFLOAT: big-endian double
        stack.push(view.getFloat64(need(8), false));
        break;

      // ---- strings and bytes ----
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x55: // SHORT_BINSTRING: a Python 2 str, decoded as torch.load does (utf-8)
        stack.push(text(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(text(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64()));
        break;

      // ---- memo ----
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(u32()));
        break;

      // ---- objects: only through the allow-list ----
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL names are not strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE: f(*args)
        const args = pop();
        const f = pop() as PickleGlobal;
        if (!Array.isArray(args)) fail(`REDUCE arguments are ${describe(args)}, not a tuple`);
        if (!f?.call) fail(`REDUCE calls ${describe(f)}, not an allow-listed callable`);
        stack.push(guarded(`${f.module}.${f.name}`, () => f.call!(args as unknown[])));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop() as PickleGlobal;
        const make = cls?.construct ?? cls?.call;
        if (!Array.isArray(args) || !make) fail(`NEWOBJ of ${describe(cls)}, not an allow-listed class`);
        stack.push(guarded(`${cls.module}.${cls.name}`, () => make!(args as unknown[])));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state)
        const state = pop();
        const obj = top();
        guarded('BUILD', () => applyState(obj, state));
        break;
      }
      case 0x51: // BINPERSID
        if (!persistentLoad) fail('a persistent id where none is expected');
        stack.push(persistentLoad!(pop()));
        break;

      default:
        refuse(`unsupported pickle opcode ${opName(op)} at byte ${opAt}`);
    }
  }
}

/** A little-endian two's-complement integer: a Number when exact, else a BigInt. */
function longFrom(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) n -= 1n << BigInt(8 * b.length);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** `0x63 ('c')`: an opcode byte and its character when printable. */
function opName(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, '0')}`;
  return op >= 0x20 && op < 0x7f ? `${hex} ('${String.fromCharCode(op)}')` : hex;
}
