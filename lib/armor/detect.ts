// Finds armor parts in page text. Runs in the content script on every text node of an enabled page, so it
// imports only the format constants and CRC-32 (both dependency-free), is allocation-light, and linear in the text length: no
// backtracking regex, and every character is scanned a bounded number of times whatever the page holds.
import { crc32 } from './crc32';
import {
  ALPHABET, ENVELOPE, FIELD, FIELD_V2, HEADER_SYMBOLS, HEADER_SYMBOLS_V2, KIND, MAX_PARTS, PREFIX, PREFIX_V2, SKIP_CLASS, VERSION_1,
  VERSION_2, isSkippable, symbolValue,
} from './format';

export interface ArmorPartHeader {
  /**
   * Groups the parts of one message: random per armored payload; for a v2 message of one part, its CRC
   * symbols (empty until the part was read whole).
   */
  id: string;
  /** 0-based. */
  index: number;
  count: number;
  /** Bytes carried by this part's body. */
  byteLength: number;
  /** The joined parts end with the payload's CRC-32 (v1, and v2 messages of several parts). */
  payloadCrc: boolean;
}

/**
 * A part whose text ended before the part did: the host may have split it into several messages. Its
 * canonical symbols so far (from the envelope on), and how many the whole part has.
 */
export interface HeadRef {
  kind: 'head';
  start: number;
  end: number;
  header: ArmorPartHeader;
  symbols: string;
  total: number;
}

/** A character range [start, end) of the text and what it holds. */
export type ArmorPartRef =
  | { kind: 'part'; start: number; end: number; header: ArmorPartHeader; /** canonical base32 symbols */ body: string }
  /** Looks like armor but is damaged; the header is present when its own check still held. */
  | { kind: 'damaged'; start: number; end: number; code: 'checksum' | 'truncated'; header?: ArmorPartHeader }
  /** The envelope of an armor version we do not speak. */
  | { kind: 'unknown-version'; start: number; end: number; version: string }
  | HeadRef;

/** What a following text does to a head: it continues it, completes it (a part or a damaged one), or is not part of it. */
export type HeadStep = { kind: 'more'; head: HeadRef } | { kind: 'foreign' } | Extract<ArmorPartRef, { kind: 'part' | 'damaged' }>;

/** Longest part (in symbols) that is waited for across host messages; a longer one cut short is just truncated. */
const MAX_HEAD_SYMBOLS = 65_536;

/** The one character every envelope match contains as it is (it has no case): a cheap native pre-filter. */
export const ENVELOPE_DIGIT = '2';
// "c2c" with invisible characters allowed between its letters, any case. No nested quantifiers: linear.
const ENVELOPE_SOURCE = `c[${SKIP_CLASS}]*${ENVELOPE_DIGIT}[${SKIP_CLASS}]*c`;
const ENVELOPE_TEST = new RegExp(ENVELOPE_SOURCE, 'i');

/** Cheap pre-check: false means findArmorParts(text) is certainly empty. */
export function mightContainArmor(text: string): boolean {
  return ENVELOPE_TEST.test(text);
}

export function findArmorParts(text: string): ArmorPartRef[] {
  const refs: ArmorPartRef[] = [];
  const finder = new RegExp(ENVELOPE_SOURCE, 'gi');
  for (let m = finder.exec(text); m !== null; m = finder.exec(text)) {
    const ref = parseAt(text, m.index, m.index + m[0].length);
    if (ref) refs.push(ref);
    // Resuming after a whole token (even a damaged one) keeps the scan linear.
    finder.lastIndex = ref ? ref.end : m.index + 1;
  }
  return refs;
}

const CANONICAL = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PREFIX_CODES = Uint8Array.from(PREFIX, (c) => c.charCodeAt(0));
const PREFIX_V2_CODES = Uint8Array.from(PREFIX_V2, (c) => c.charCodeAt(0));
const HEAD_LENGTH = PREFIX.length + HEADER_SYMBOLS;
const latin1 = new TextDecoder('latin1');
const ascii = new TextEncoder();

// Shared by all readers: parsing is synchronous, and most candidates fail within their header.
const SCRATCH = new Uint8Array(4096);

/**
 * Reads symbols from a position, skipping invisible characters, appending canonical ASCII to a buffer
 * that grows with what is actually read (a forged header may claim a megabyte of body).
 */
class SymbolReader {
  buf = SCRATCH;
  length = 0;
  /** Just past the last symbol read. */
  end: number;
  /** The last read() stopped because the text ended (only invisible characters after the last symbol). */
  ended = false;
  private pos: number;
  constructor(
    private readonly text: string,
    start: number,
  ) {
    this.pos = start;
    this.end = start;
  }

  /** Reads n more symbols; false when the text ends or a non-symbol character comes first. */
  read(n: number): boolean {
    const text = this.text;
    const stop = this.length + n;
    let pos = this.pos;
    while (this.length < stop) {
      if (pos >= text.length) {
        this.ended = true;
        return false;
      }
      const code = text.charCodeAt(pos++);
      const v = symbolValue(code);
      if (v >= 0) {
        if (this.length === this.buf.length) this.grow(stop);
        this.buf[this.length++] = CANONICAL[v]!;
        this.end = pos;
      } else if (!isSkippable(code)) return false;
    }
    this.pos = pos;
    return true;
  }

  private grow(limit: number): void {
    const bigger = new Uint8Array(Math.min(limit, this.buf.length * 2));
    bigger.set(this.buf);
    this.buf = bigger;
  }
}

function numberAt(buf: Uint8Array, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) n = n * 32 + symbolValue(buf[i]!);
  return n;
}

function parseAt(text: string, start: number, envelopeEnd: number): ArmorPartRef | null {
  let at = envelopeEnd;
  while (at < text.length && isSkippable(text.charCodeAt(at))) at++;
  const version = at < text.length ? symbolValue(text.charCodeAt(at)) : -1;
  const unbroken = at === envelopeEnd && envelopeEnd - start === ENVELOPE.length;
  if (version === VERSION_2) return parseV2(text, start, at + 1, unbroken) ?? (unbroken ? damagedRun(text, start, at + 1, shortestV2(text, at + 1)) : null);
  if (version === VERSION_1) return parseV1(text, start, at + 1) ?? (unbroken ? damagedRun(text, start, at + 1, HEADER_SYMBOLS) : null);
  // Other versions are only recognised unwrapped, so prose like "C2C is great" never matches.
  if (version < 0 || !unbroken) return null;
  const runEnd = symbolRunEnd(text, at + 1);
  return runEnd - (at + 1) >= HEADER_SYMBOLS ? { kind: 'unknown-version', start, end: runEnd, version: ALPHABET[version]! } : null;
}

function parseV2(text: string, start: number, headerStart: number, unbroken: boolean): ArmorPartRef | null {
  const reader = new SymbolReader(text, headerStart);
  reader.buf.set(PREFIX_V2_CODES);
  reader.length = PREFIX_V2.length;
  if (!reader.read(FIELD_V2.kind)) return null;
  const kind = symbolValue(reader.buf[PREFIX_V2.length]!);
  if (kind !== KIND.single && kind !== KIND.multi) {
    // A later kind of v2 part, whose header this code cannot read: like an unknown version, only unwrapped.
    const runEnd = symbolRunEnd(text, headerStart);
    return unbroken && runEnd - headerStart >= HEADER_SYMBOLS_V2.single ? { kind: 'unknown-version', start, end: runEnd, version: `2${ALPHABET[kind]}` } : null;
  }
  const headerSymbols = kind === KIND.single ? HEADER_SYMBOLS_V2.single : HEADER_SYMBOLS_V2.multi;
  if (!reader.read(headerSymbols - FIELD_V2.kind)) return null;
  const header = parseHeaderV2(reader.buf, kind);
  return header ? readBody(reader, start, header, PREFIX_V2.length + headerSymbols, FIELD_V2.crc) : null;
}

/** v2 header fields, or null unless the header check holds and every field is in range. */
function parseHeaderV2(head: Uint8Array, kind: number): ArmorPartHeader | null {
  const checkAt = PREFIX_V2.length + (kind === KIND.single ? HEADER_SYMBOLS_V2.single : HEADER_SYMBOLS_V2.multi) - FIELD_V2.check;
  if (crc32(head.subarray(0, checkAt)) >>> (32 - 5 * FIELD_V2.check) !== numberAt(head, checkAt, FIELD_V2.check)) return null;
  let at = PREFIX_V2.length + FIELD_V2.kind;
  const byteLength = numberAt(head, at, FIELD_V2.length);
  if (kind === KIND.single) return { id: '', index: 0, count: 1, byteLength, payloadCrc: false };
  const id = latin1.decode(head.subarray((at += FIELD_V2.length), (at += FIELD_V2.id)));
  const index = numberAt(head, at, FIELD_V2.index);
  const count = numberAt(head, (at += FIELD_V2.index), FIELD_V2.count);
  if (count < 2 || count > MAX_PARTS || index >= count) return null;
  return { id, index, count, byteLength, payloadCrc: true };
}

/**
 * Reads a part's body and CRC after its header. A text that ends first gives a head (the rest may follow
 * in the host's next messages); anything else that cuts it short, a truncated part.
 */
function readBody(reader: SymbolReader, start: number, header: ArmorPartHeader, headLength: number, crcSymbols: number): ArmorPartRef {
  const total = headLength + Math.ceil((header.byteLength * 8) / 5) + crcSymbols; // base32 symbolCount, inlined: no imports here
  if (!reader.read(total - headLength)) {
    if (reader.ended && total <= MAX_HEAD_SYMBOLS) {
      return { kind: 'head', start, end: reader.end, header, symbols: latin1.decode(reader.buf.subarray(0, reader.length)), total };
    }
    return { kind: 'damaged', start, end: reader.end, code: 'truncated', header };
  }
  return checkPart(reader.buf.subarray(0, total), start, reader.end, header, headLength, crcSymbols);
}

/** A whole part's canonical symbols → the part, or damaged when its CRC fails. */
function checkPart(
  symbols: Uint8Array,
  start: number,
  end: number,
  header: ArmorPartHeader,
  headLength: number,
  crcSymbols: number,
): Extract<ArmorPartRef, { kind: 'part' | 'damaged' }> {
  const crcAt = symbols.length - crcSymbols;
  if (crc32(symbols.subarray(0, crcAt)) !== numberAt(symbols, crcAt, crcSymbols)) return { kind: 'damaged', start, end, code: 'checksum', header };
  const whole = header.count === 1 && !header.payloadCrc ? { ...header, id: latin1.decode(symbols.subarray(0, PREFIX_V2.length)) + latin1.decode(symbols.subarray(crcAt)) } : header;
  return { kind: 'part', start, end, header: whole, body: latin1.decode(symbols.subarray(headLength, crcAt)) };
}

/**
 * Continues a head with the text of the host's next message from the same sender. That text must be
 * nothing but armor symbols (and invisible characters): a piece of a host-split part carries no header,
 * so only the head's length and the part's CRC decide whether it belongs.
 */
export function extendHead(head: HeadRef, text: string): HeadStep {
  const room = head.total - head.symbols.length;
  const codes = new Uint8Array(Math.min(room, text.length));
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = symbolValue(code);
    if (v < 0) {
      if (isSkippable(code)) continue;
      return { kind: 'foreign' };
    }
    if (n === room) return { kind: 'foreign' };
    codes[n++] = CANONICAL[v]!;
  }
  if (n === 0) return { kind: 'foreign' };
  const symbols = head.symbols + latin1.decode(codes.subarray(0, n));
  if (n < room) return { kind: 'more', head: { ...head, symbols } };
  const v2 = head.symbols.startsWith(PREFIX_V2);
  const headLength = v2 ? PREFIX_V2.length + (head.header.payloadCrc ? HEADER_SYMBOLS_V2.multi : HEADER_SYMBOLS_V2.single) : HEAD_LENGTH;
  return checkPart(ascii.encode(symbols), head.start, head.end, head.header, headLength, v2 ? FIELD_V2.crc : FIELD.crc);
}

function parseV1(text: string, start: number, headerStart: number): ArmorPartRef | null {
  const reader = new SymbolReader(text, headerStart);
  reader.buf.set(PREFIX_CODES);
  reader.length = PREFIX.length;
  if (!reader.read(HEADER_SYMBOLS)) return null;
  const header = parseHeader(reader.buf);
  return header ? readBody(reader, start, header, HEAD_LENGTH, FIELD.crc) : null;
}

/** Header fields, or null unless the header check holds and every field is in range. */
function parseHeader(head: Uint8Array): ArmorPartHeader | null {
  const checkAt = HEAD_LENGTH - FIELD.check;
  if (crc32(head.subarray(0, checkAt)) >>> (32 - 5 * FIELD.check) !== numberAt(head, checkAt, FIELD.check)) return null;
  let at = PREFIX.length;
  const id = latin1.decode(head.subarray(at, (at += FIELD.id)));
  const index = numberAt(head, at, FIELD.index);
  const count = numberAt(head, (at += FIELD.index), FIELD.count);
  const byteLength = numberAt(head, (at += FIELD.count), FIELD.length);
  if (count < 1 || count > MAX_PARTS || index >= count) return null;
  return { id, index, count, byteLength, payloadCrc: true };
}

/**
 * An unwrapped "c2c1"/"c2c2" followed by a long unbroken run of symbols is a part whose header was altered.
 * Whitespace is not allowed here, so ordinary sentences starting with "C2C 1" are not reported.
 */
function damagedRun(text: string, start: number, headerStart: number, minSymbols: number): ArmorPartRef | null {
  const runEnd = symbolRunEnd(text, headerStart);
  return runEnd - headerStart >= minSymbols ? { kind: 'damaged', start, end: runEnd, code: 'checksum' } : null;
}

/**
 * Symbols after the version that even the shortest v2 part of the kind named at `at` has (header and CRC),
 * less one: a damaged part that lost a character is still reported.
 */
function shortestV2(text: string, at: number): number {
  const multi = at < text.length && symbolValue(text.charCodeAt(at)) === KIND.multi;
  return (multi ? HEADER_SYMBOLS_V2.multi : HEADER_SYMBOLS_V2.single) + FIELD_V2.crc - 1;
}

/**
 * End of the unbroken run of symbols from `from`, cut at the next envelope in it (one may begin at the
 * version or kind symbol just before `from`). A valid part written right after a damaged or unknown one
 * is then read as a part, as it is when a host splits the text there, and the scan stays linear.
 */
function symbolRunEnd(text: string, from: number): number {
  if (envelopeAt(text, from - 1)) return from - 1;
  let at = from;
  while (at < text.length && symbolValue(text.charCodeAt(at)) >= 0 && !envelopeAt(text, at)) at++;
  return at;
}

const C = 0x63;
const TWO = 0x32;

/** "c2c" in any case, unbroken, at `at`. */
function envelopeAt(text: string, at: number): boolean {
  return (text.charCodeAt(at) | 0x20) === C && text.charCodeAt(at + 1) === TWO && (text.charCodeAt(at + 2) | 0x20) === C;
}
