// The armor text formats (docs/FORMATS.md, "Armor"), shared by the detector and the encoder.
// Dependency-free, because the detector runs in the content script on every enabled page.
//
//   v2, one part:   c2c2 0 LLL HH <body> CCCCCCC                 (written without the spaces)
//   v2, of several: c2c2 1 LLL IIII PP NN HH <body> CCCCCCC
//   v1 (read only): c2c1 IIIIIIII PP NN LLLL HH <body> CCCCCCC
//   kind, body byte length, id, part index (0-based), part count, header check, base32 body, part CRC-32

/** Every armor version starts with this envelope plus one version symbol. */
export const ENVELOPE = 'c2c';
/** Symbol value of the version this code speaks (written "1"). */
export const VERSION_1 = 1;
export const PREFIX = ENVELOPE + '1';
/** Symbol value of the version armor() writes (written "2"). */
export const VERSION_2 = 2;
export const PREFIX_V2 = ENVELOPE + '2';

/**
 * Crockford base32, written lowercase: letters and digits only, so no markdown, HTML, URL or mention
 * syntax, and no case to lose (sites or keyboards that change case do no harm).
 */
export const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const FIELD = { id: 8, index: 2, count: 2, length: 4, check: 2, crc: 7 } as const;
/** Symbols between the prefix and the body. */
export const HEADER_SYMBOLS = FIELD.id + FIELD.index + FIELD.count + FIELD.length + FIELD.check;
/** Characters of a part that are not body. */
export const PART_OVERHEAD = PREFIX.length + HEADER_SYMBOLS + FIELD.crc;

/** v2: the kind symbol says whether a part stands alone; other values are kept for later kinds. */
export const KIND = { single: 0, multi: 1 } as const;
export const FIELD_V2 = { kind: 1, length: 3, id: 4, index: 2, count: 2, check: 2, crc: 7 } as const;
/** v2 symbols between the prefix and the body, without and with the multi-part fields. */
export const HEADER_SYMBOLS_V2 = { single: FIELD_V2.kind + FIELD_V2.length + FIELD_V2.check, multi: FIELD_V2.kind + FIELD_V2.length + FIELD_V2.id + FIELD_V2.index + FIELD_V2.count + FIELD_V2.check } as const;
/** v2 characters of a part that are not body: 17 alone, 25 as one of several. */
export const PART_OVERHEAD_V2 = { single: PREFIX_V2.length + HEADER_SYMBOLS_V2.single + FIELD_V2.crc, multi: PREFIX_V2.length + HEADER_SYMBOLS_V2.multi + FIELD_V2.crc } as const;
/** The v2 length field holds 3 symbols (15 bits). */
export const MAX_PART_BYTES_V2 = 2 ** (5 * FIELD_V2.length) - 1;

export const MAX_PARTS = 1000;
export const MAX_PAYLOAD_BYTES = 1.5 * 1024 * 1024;
/** The length field holds 4 symbols (20 bits). */
export const MAX_PART_BYTES = 2 ** (5 * FIELD.length) - 1;
/** Trailing CRC-32 of the whole payload, appended before splitting into parts. */
export const PAYLOAD_CRC_BYTES = 4;
export const MIN_PART_LENGTH = 200;
export const DEFAULT_PART_LENGTH = 3000;

const SYMBOL_VALUE = new Int8Array(128).fill(-1);
for (let v = 0; v < ALPHABET.length; v++) {
  SYMBOL_VALUE[ALPHABET.charCodeAt(v)] = v;
  SYMBOL_VALUE[ALPHABET.toUpperCase().charCodeAt(v)] = v;
}
// Crockford's aliases for characters people (and fonts) confuse with 1 and 0.
for (const [alias, v] of [['i', 1], ['l', 1], ['o', 0]] as const) {
  SYMBOL_VALUE[alias.charCodeAt(0)] = v;
  SYMBOL_VALUE[alias.toUpperCase().charCodeAt(0)] = v;
}

/** The base32 value (0–31) of a character code, or -1 if it is not a symbol. */
export function symbolValue(code: number): number {
  return code < 128 ? SYMBOL_VALUE[code]! : -1;
}

/**
 * Characters a host may insert inside a token without meaning anything: JS whitespace (\s) plus soft
 * hyphen and zero-width space/joiners that sites add to break long words. Kept in sync with SKIP_CLASS.
 */
export function isSkippable(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 || code === 0xad || code === 0x1680 || (code >= 0x2000 && code <= 0x200d) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x2060 ||
    code === 0x3000 || code === 0xfeff
  );
}

/** The same set as isSkippable, as a regular-expression character class body. */
export const SKIP_CLASS = '\\t-\\r \\u00a0\\u00ad\\u1680\\u2000-\\u200d\\u2028\\u2029\\u202f\\u205f\\u2060\\u3000\\ufeff';
