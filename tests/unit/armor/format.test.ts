// The building blocks against published vectors: CRC-32 check values and RFC 4648 base32 bit order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 } from '../../../lib/armor/crc32';
import { fromSymbols, toFixedSymbols, toSymbols } from '../../../lib/armor/base32';
import { codeOf } from './hosts';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it('matches the published CRC-32/ISO-HDLC check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926); // the catalogue "check" value
    expect(crc32(ascii(''))).toBe(0);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
  });
});

// RFC 4648 §10 vectors, translated from its alphabet to ours symbol by symbol (same bit order).
const RFC_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const OURS = '0123456789abcdefghjkmnpqrstvwxyz';
const translate = (rfc: string) => Array.from(rfc.replace(/=+$/, ''), (c) => OURS[RFC_ALPHABET.indexOf(c)]).join('');
const RFC_VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'MY======'],
  ['fo', 'MZXQ===='],
  ['foo', 'MZXW6==='],
  ['foob', 'MZXW6YQ='],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI======'],
];

describe('base32 symbols', () => {
  it.each(RFC_VECTORS)('encodes %j with RFC 4648 bit order', (text, rfc) => {
    expect(toSymbols(ascii(text))).toBe(translate(rfc));
    expect(fromSymbols(translate(rfc), text.length)).toEqual(ascii(text));
  });

  it('round-trips any bytes, and decoding ignores case and accepts Crockford aliases', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const s = toSymbols(bytes);
        expect(s).toMatch(/^[0-9a-hjkmnp-tv-z]*$/);
        expect(fromSymbols(s, bytes.length)).toEqual(bytes);
        expect(fromSymbols(s.toUpperCase(), bytes.length)).toEqual(bytes);
        expect(fromSymbols(s.replace(/1/g, 'l').replace(/0/g, 'O'), bytes.length)).toEqual(bytes);
      }),
    );
  });

  it('rejects a wrong length, foreign characters and non-canonical padding bits', () => {
    expect(codeOf(() => fromSymbols('cr', 2))).toBe('malformed');
    expect(codeOf(() => fromSymbols('cu', 1))).toBe('malformed'); // u is not in the alphabet
    expect(fromSymbols('cr', 1)).toEqual(ascii('f'));
    expect(codeOf(() => fromSymbols('cs', 1))).toBe('malformed'); // "f" with a stray bit in the padding
  });

  it('writes fixed-width fields most significant symbol first', () => {
    expect(toFixedSymbols(0, 2)).toBe('00');
    expect(toFixedSymbols(1000, 2)).toBe('z8');
    expect(toFixedSymbols(0xffffffff, 7)).toBe('3zzzzzz');
    expect(() => toFixedSymbols(1024, 2)).toThrow(RangeError);
  });
});
