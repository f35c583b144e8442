/**
 * A small seeded mutation fuzzer for the binary and text readers: each case takes a valid file and
 * damages it the ways real files and attackers do (a flipped bit, a byte set to an edge value, a
 * cut, a dropped or repeated run, a length field overwritten with a huge number, a number in a text
 * header made enormous). Deterministic from the seed, so a failing case is replayed by its index.
 */
import { createRng, type Rng } from '../../src/util/rng.js';

/** Values that break length and count fields. */
const EDGE_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
const HUGE_TEXT = ['1000000000000', '99999999999999999999', '-1', '0', '4294967296', '1e308', 'NaN'];

/** One damaged copy of `seed`. */
export function mutate(seed: Uint8Array, rng: Rng): Uint8Array {
  const b = Uint8Array.from(seed);
  const at = () => rng.int(Math.max(1, b.length));
  switch (rng.int(8)) {
    case 0: {
      // flip 1-4 bits
      const out = b;
      for (let n = 1 + rng.int(4); n > 0; n--) out[at()] ^= 1 << rng.int(8);
      return out;
    }
    case 1: {
      // a byte set to an edge value
      b[at()] = EDGE_U32[rng.int(5)]! & 0xff;
      return b;
    }
    case 2:
      // cut short
      return b.subarray(0, rng.int(b.length + 1));
    case 3: {
      // drop a run
      const i = at();
      return concat(b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + rng.int(64))));
    }
    case 4: {
      // repeat a run
      const i = at();
      const run = b.subarray(i, Math.min(b.length, i + 1 + rng.int(64)));
      return concat(b.subarray(0, i), run, run, b.subarray(i + run.length));
    }
    case 5: {
      // a 32-bit field, little or big endian, set to an edge value
      if (b.length < 4) return b;
      const i = rng.int(b.length - 3);
      new DataView(b.buffer, b.byteOffset).setUint32(i, EDGE_U32[rng.int(EDGE_U32.length)]!, rng.int(2) === 0);
      return b;
    }
    case 6: {
      // a decimal number in the text made huge, negative or not a number
      const text = Buffer.from(b).toString('latin1');
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length === 0) return b;
      const m = numbers[rng.int(numbers.length)]!;
      const repl = HUGE_TEXT[rng.int(HUGE_TEXT.length)]!;
      return Buffer.from(text.slice(0, m.index) + repl + text.slice(m.index! + m[0].length), 'latin1');
    }
    default: {
      // random bytes inserted
      const i = at();
      const junk = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      return concat(b.subarray(0, i), junk, b.subarray(i));
    }
  }
}

/** `count` damaged copies of `seed`, from `seed0` (replay one by its index). */
export function* mutations(seed: Uint8Array, count: number, seed0 = 1): Generator<{ index: number; bytes: Uint8Array }> {
  const rng = createRng(seed0);
  for (let index = 0; index < count; index++) {
    // Now and then two damages on top of each other.
    let bytes = mutate(seed, rng);
    if (rng.int(4) === 0) bytes = mutate(bytes, rng);
    yield { index, bytes };
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
