// Finds armor parts in page text. Runs in the content script on every text node of an enabled page, so it
// imports only the format constants and CRC-32 (both dependency-free), is allocation-light, and linear in the text length: no
// backtracking regex, and every character is scanned a bounded number of times whatever the page holds.
import { crc32 } from './crc32';
import { ALPHABET, ENVELOPE, FIELD, HEADER_SYMBOLS, MAX_PARTS, PREFIX, SKIP_CLASS, VERSION_1, isSkippable, symbolValue } from './format';

export interface ArmorPartHeader {
  /** Random per armored payload; groups the parts of one message. */
  id: string;
  /** 0-based. */
  index: number;
  count: number;
  /** Bytes carried by this part's body. */
  byteLength: number;
}

/** A character range [start, end) of the text and what it holds. */
export type ArmorPartRef =
  | { kind: 'part'; start: number; end: number; header: ArmorPartHeader; /** canonical base32 symbols */ body: string }
  /** Looks like armor but is damaged; the header is present when its own check still held. */
  | { kind: 'damaged'; start: number; end: number; code: 'checksum' | 'truncated'; header?: ArmorPartHeader }
  /** The envelope of an armor version we do not speak. */
  | { kind: 'unknown-version'; start: number; end: number; version: string };

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
const HEAD_LENGTH = PREFIX.length + HEADER_SYMBOLS;
const latin1 = new TextDecoder('latin1');

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
      if (pos >= text.length) return false;
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
  if (version === VERSION_1) return parseV1(text, start, at + 1) ?? (unbroken ? damagedV1(text, start, at + 1) : null);
  // Other versions are only recognised unwrapped, so prose like "C2C is great" never matches.
  if (version < 0 || !unbroken) return null;
  const runEnd = symbolRunEnd(text, at + 1);
  return runEnd - (at + 1) >= HEADER_SYMBOLS ? { kind: 'unknown-version', start, end: runEnd, version: ALPHABET[version]! } : null;
}

function parseV1(text: string, start: number, headerStart: number): ArmorPartRef | null {
  const reader = new SymbolReader(text, headerStart);
  reader.buf.set(PREFIX_CODES);
  reader.length = PREFIX.length;
  if (!reader.read(HEADER_SYMBOLS)) return null;
  const header = parseHeader(reader.buf);
  if (!header) return null;

  const bodySymbols = Math.ceil((header.byteLength * 8) / 5); // base32 symbolCount, inlined: no imports here
  if (!reader.read(bodySymbols + FIELD.crc)) return { kind: 'damaged', start, end: reader.end, code: 'truncated', header };
  const crcAt = HEAD_LENGTH + bodySymbols;
  if (crc32(reader.buf.subarray(0, crcAt)) !== numberAt(reader.buf, crcAt, FIELD.crc)) {
    return { kind: 'damaged', start, end: reader.end, code: 'checksum', header };
  }
  return { kind: 'part', start, end: reader.end, header, body: latin1.decode(reader.buf.subarray(HEAD_LENGTH, crcAt)) };
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
  return { id, index, count, byteLength };
}

/**
 * An unwrapped "c2c1" followed by a long unbroken run of symbols is a part whose header was altered.
 * Whitespace is not allowed here, so ordinary sentences starting with "C2C 1" are not reported.
 */
function damagedV1(text: string, start: number, headerStart: number): ArmorPartRef | null {
  const runEnd = symbolRunEnd(text, headerStart);
  return runEnd - headerStart >= HEADER_SYMBOLS ? { kind: 'damaged', start, end: runEnd, code: 'checksum' } : null;
}

function symbolRunEnd(text: string, from: number): number {
  let at = from;
  while (at < text.length && symbolValue(text.charCodeAt(at)) >= 0) at++;
  return at;
}
