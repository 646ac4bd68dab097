// Bytes ↔ base32 symbols: RFC 4648 bit order (5 bits per symbol, most significant first, no padding
// characters) written in the Crockford alphabet of format.ts.
import { C2CError } from '../errors';
import { ALPHABET, symbolValue } from './format';

const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const latin1 = new TextDecoder('latin1');

/** Number of symbols that encode n bytes. */
export function symbolCount(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 5);
}

/** Writes the symbols of `bytes` as ASCII codes into out[at…]; returns the index after the last one. */
export function writeSymbols(bytes: Uint8Array, out: Uint8Array, at: number): number {
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]!) & 0xfff; // at most 4 + 8 live bits
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[at++] = CODES[(acc >>> bits) & 31]!;
    }
  }
  if (bits > 0) out[at++] = CODES[(acc << (5 - bits)) & 31]!;
  return at;
}

export function toSymbols(bytes: Uint8Array): string {
  const out = new Uint8Array(symbolCount(bytes.length));
  writeSymbols(bytes, out, 0);
  return latin1.decode(out);
}

/** Decodes exactly byteLength bytes; rejects a wrong symbol count or non-zero trailing bits. */
export function fromSymbols(symbols: string, byteLength: number): Uint8Array {
  if (symbols.length !== symbolCount(byteLength)) throw new C2CError('malformed', 'An armor part has the wrong body length.');
  const out = new Uint8Array(byteLength);
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < symbols.length; i++) {
    const v = symbolValue(symbols.charCodeAt(i));
    if (v < 0) throw new C2CError('malformed', 'An armor part holds a character outside its alphabet.');
    acc = ((acc << 5) | v) & 0xfff; // at most 7 + 5 live bits
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >>> bits) & 0xff;
    }
  }
  // One byte string, one text form: leftover padding bits must be zero.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new C2CError('malformed', 'An armor part is not canonically encoded.');
  return out;
}

/** A non-negative integer as exactly `width` symbols, most significant first. */
export function toFixedSymbols(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++, n = Math.floor(n / 32)) out = ALPHABET[n % 32] + out;
  if (n !== 0) throw new RangeError('value does not fit the field');
  return out;
}
