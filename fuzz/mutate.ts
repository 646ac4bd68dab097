// Structure-aware mutators. Every target starts from real inputs made by our own encoders (so most
// mutants get past the first checks) and changes a few bytes, characters or JSON values at a time.
import { concat } from '../lib/bytes';
import type { Rng } from './rng';

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x10, 0x1f, 0x20, 0x40, 0x7f, 0x80, 0x81, 0x82, 0xfe, 0xff];

/** Returns a mutated copy of `input`; `donors` are other valid inputs to splice from. */
export function mutateBytes(rng: Rng, input: Uint8Array, donors: readonly Uint8Array[] = []): Uint8Array {
  let out: Uint8Array = input.slice();
  for (let edits = rng.small(); edits > 0; edits--) out = byteEdit(rng, out, donors);
  return out;
}

function byteEdit(rng: Rng, b: Uint8Array, donors: readonly Uint8Array[]): Uint8Array {
  const at = rng.int(b.length + 1);
  switch (rng.int(12)) {
    case 0: // flip one bit
    case 1:
      if (b.length === 0) return rng.bytes(1);
      b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return b;
    case 2: // an interesting byte
      if (b.length === 0) return Uint8Array.of(rng.pick(INTERESTING_BYTES));
      b[rng.int(b.length)] = rng.pick(INTERESTING_BYTES);
      return b;
    case 3: // a random byte
      if (b.length > 0) b[rng.int(b.length)] = rng.u32() & 0xff;
      return b;
    case 4: // add or subtract a little (length and count fields)
      if (b.length > 0) {
        const i = rng.int(b.length);
        b[i] = (b[i]! + rng.range(-4, 4)) & 0xff;
      }
      return b;
    case 5: // delete a range
      return cut(b, at, at + rng.small(32));
    case 6: // insert random bytes
      return concat(b.subarray(0, at), rng.bytes(rng.small(16)), b.subarray(at));
    case 7: { // duplicate a range
      const from = rng.int(b.length + 1);
      return concat(b.subarray(0, at), b.subarray(from, from + rng.small(64)), b.subarray(at));
    }
    case 8: // truncate
      return b.slice(0, rng.int(b.length + 1));
    case 9: { // overwrite with a range of a donor (another valid input)
      const donor = donors.length > 0 ? rng.pick(donors) : b;
      const from = rng.int(donor.length + 1);
      const piece = donor.slice(from, from + rng.small(64));
      const out = b.slice();
      out.set(piece.subarray(0, Math.max(0, out.length - at)), Math.min(at, out.length));
      return out;
    }
    case 10: { // splice: head of this input, tail of a donor
      const donor = donors.length > 0 ? rng.pick(donors) : b;
      return concat(b.subarray(0, at), donor.subarray(rng.int(donor.length + 1)));
    }
    default: { // swap two bytes
      if (b.length < 2) return b;
      const i = rng.int(b.length);
      const j = rng.int(b.length);
      [b[i], b[j]] = [b[j]!, b[i]!];
      return b;
    }
  }
}

/** Pieces worth inserting into text decoders: separators, look-alikes, invisible and odd characters. */
export const TEXT_PIECES = [
  ' ', '\n', '\r\n', '\t', '\u00a0', '\u00ad', '\u200b', '\u200d', '\u2028', '\ufeff', '\u3000', '\u202e',
  '\0', '\ud800', '\udc00', '\u{1f600}', 'é', 'ж', '"', '\\', '{', '}', '[', ']', ',', ':', '?', '=', '-', '_', '+', '/',
  '0', '1', 'o', 'O', 'i', 'I', 'l', 'L', 'u', 'U', 'z', 'Z',
];

/** Returns a mutated copy of `text`; `pieces` are domain tokens to insert (e.g. "c2c2", alphabet symbols). */
export function mutateText(rng: Rng, text: string, pieces: readonly string[] = [], donors: readonly string[] = []): string {
  let out = text;
  for (let edits = rng.small(); edits > 0; edits--) out = textEdit(rng, out, pieces, donors);
  return out;
}

function textEdit(rng: Rng, s: string, pieces: readonly string[], donors: readonly string[]): string {
  const at = rng.int(s.length + 1);
  const piece = () => (pieces.length > 0 && rng.chance(0.6) ? rng.pick(pieces) : rng.pick(TEXT_PIECES));
  switch (rng.int(11)) {
    case 0: // replace one character
    case 1:
      return s.slice(0, at) + piece() + s.slice(at + 1);
    case 2: // insert
      return s.slice(0, at) + piece() + s.slice(at);
    case 3: // delete a range
      return s.slice(0, at) + s.slice(at + rng.small(32));
    case 4: { // duplicate a range
      const from = rng.int(s.length + 1);
      return s.slice(0, at) + s.slice(from, from + rng.small(64)) + s.slice(at);
    }
    case 5: // truncate
      return s.slice(0, at);
    case 6: { // change the case of a range
      const end = at + rng.small(16);
      const mid = s.slice(at, end);
      return s.slice(0, at) + (rng.chance(0.5) ? mid.toUpperCase() : mid.toLowerCase()) + s.slice(end);
    }
    case 7: { // splice with a donor
      const donor = donors.length > 0 ? rng.pick(donors) : s;
      return s.slice(0, at) + donor.slice(rng.int(donor.length + 1));
    }
    case 8: // a random code unit (surrogate halves included)
      return s.slice(0, at) + String.fromCharCode(rng.int(0x10000)) + s.slice(at + (rng.chance(0.5) ? 1 : 0));
    case 9: { // swap two characters
      if (s.length < 2) return s;
      const j = rng.int(s.length);
      const [i, k] = at < j ? [at, j] : [j, at];
      if (i === k || k >= s.length) return s;
      return s.slice(0, i) + s[k] + s.slice(i + 1, k) + s[i] + s.slice(k + 1);
    }
    default: { // repeat a piece many times (length limits, scanner speed)
      return s.slice(0, at) + piece().repeat(rng.range(2, 2000)) + s.slice(at);
    }
  }
}

/** Values that break naive handling of a JSON or structured-clone field. */
export const ODD_VALUES: readonly unknown[] = [
  null, undefined, true, false, 0, -0, -1, 1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, Number.NaN,
  Number.POSITIVE_INFINITY, '', ' ', '0', 'true', 'null', '__proto__', 'constructor', 'a'.repeat(5000), '\ud800', [], [null], {}, { __proto__: null },
];

/** Mutates a JSON text: mostly as its parsed `value` (keys, types, nesting), else as text (its syntax). */
export function mutateJson(rng: Rng, text: string, value: unknown, pieces: readonly string[], donors: readonly unknown[] = [], textDonors: readonly string[] = []): string {
  return value !== undefined && rng.chance(0.6) ? (JSON.stringify(mutateValue(rng, value, pieces, donors)) ?? 'null') : mutateText(rng, text, pieces, textDonors);
}

/** Returns a structurally mutated deep copy of a JSON-like value (objects, arrays, strings, numbers). */
export function mutateValue(rng: Rng, value: unknown, pieces: readonly string[] = [], donors: readonly unknown[] = []): unknown {
  let out = structuredClone(value);
  for (let edits = rng.small(4); edits > 0; edits--) out = valueEdit(rng, out, pieces, donors);
  return out;
}

function valueEdit(rng: Rng, root: unknown, pieces: readonly string[], donors: readonly unknown[]): unknown {
  // A copy: the odd values are shared constants, and a later edit may change what it was put in.
  const odd = () => structuredClone(rng.pick(ODD_VALUES));
  const paths = nodes(root);
  const path = rng.pick(paths);
  const old = get(root, path);
  let next: unknown;
  switch (rng.int(8)) {
    case 0:
    case 1:
      next = odd();
      break;
    case 2: // the same kind of value, changed
      next = typeof old === 'string' ? mutateText(rng, old, pieces)
        : typeof old === 'number' ? rng.pick([old + 1, old - 1, -old, old * 2 ** rng.range(1, 40), Math.floor(old / 2)])
          : typeof old === 'boolean' ? !old : odd();
      break;
    case 3: { // a value from elsewhere in a valid input
      const donor = donors.length > 0 ? rng.pick(donors) : root;
      next = structuredClone(get(donor, rng.pick(nodes(donor))));
      break;
    }
    case 4: // delete a key or element
      if (path.length === 0) return root;
      return remove(root, path);
    case 5: { // add an unknown key, or an element to an array
      if (Array.isArray(old)) old.push(structuredClone(old[rng.int(old.length)] ?? odd()));
      else if (isObject(old)) old[rng.pick(['extra', 'x', '__proto__', 'constructor', 'toString', 'type', 't', 'id'])] = odd();
      return root;
    }
    case 6: // wrap in an array or object
      next = rng.chance(0.5) ? [old] : { value: old };
      break;
    default: // a string where a number was, and the reverse
      next = typeof old === 'number' ? String(old) : typeof old === 'string' && old !== '' && !Number.isNaN(Number(old)) ? Number(old) : odd();
  }
  return set(root, path, next);
}

type Path = (string | number)[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nodes(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => nodes(x, [...at, i], out));
  else if (isObject(v)) for (const k of Object.keys(v)) nodes(v[k], [...at, k], out);
  return out;
}

function get(v: unknown, path: Path): unknown {
  let cur = v;
  for (const k of path) cur = (cur as Record<string | number, unknown>)[k];
  return cur;
}

function set(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = get(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
  return root;
}

function remove(root: unknown, path: Path): unknown {
  const parent = get(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, unknown>)[key as string];
  return root;
}

function cut(b: Uint8Array, from: number, to: number): Uint8Array {
  return concat(b.subarray(0, from), b.subarray(Math.min(to, b.length)));
}


/** Smaller variants of a byte string, largest cuts first (for minimising a failing input). */
export function* shrinkBytes(b: Uint8Array): Generator<Uint8Array> {
  for (let size = b.length >> 1; size >= 1; size >>= 1) {
    for (let at = 0; at + size <= b.length; at += size) yield cut(b, at, at + size);
  }
}

/** Smaller variants of a string, largest cuts first. */
export function* shrinkText(s: string): Generator<string> {
  for (let size = s.length >> 1; size >= 1; size >>= 1) {
    for (let at = 0; at + size <= s.length; at += size) yield s.slice(0, at) + s.slice(at + size);
  }
}
