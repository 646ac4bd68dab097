// Test helpers: what chat hosts do to text, payload generators, and an armor part encoder written from
// docs/FORMATS.md independently of lib/armor (to check the code matches the documented format).
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ArmorPartRef } from '../../../lib/armor/detect';
import { crc32 } from '../../../lib/armor/crc32';
import { C2CError, type C2CErrorCode } from '../../../lib/errors';

/** Deterministic pseudo-random bytes (xorshift32): big payloads without a 70,000-element arbitrary. */
export function bytesFrom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Payloads from 0 B to maxLength, biased towards small and boundary sizes but reaching the top. */
export function payloadArb(maxLength = 70_000): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.tuple(fc.integer({ min: 0, max: Math.min(maxLength, 2000) }), fc.integer()).map(([n, s]) => bytesFrom(n, s)),
    fc.tuple(fc.integer({ min: 0, max: maxLength }), fc.integer()).map(([n, s]) => bytesFrom(n, s)),
  );
}

export const limitArb = fc.oneof(fc.integer({ min: 200, max: 600 }), fc.integer({ min: 200, max: 10_000 }));

/** Characters hosts insert inside long words: spaces, line breaks, tabs, NBSP, zero-width space, soft hyphen. */
export const INSERTABLE = [' ', '\n', '\r\n', '\t', '\u00a0', '\u200b', '\u00ad', '  \n  '];

export function insertAt(text: string, inserts: { at: number; what: string }[]): string {
  const sorted = inserts.map((x) => ({ ...x, at: x.at % (text.length + 1) })).sort((a, b) => b.at - a.at);
  let out = text;
  for (const { at, what } of sorted) out = out.slice(0, at) + what + out.slice(at);
  return out;
}

export const insertsArb = fc.array(
  fc.record({ at: fc.nat(), what: fc.constantFrom(...INSERTABLE) }),
  { maxLength: 40 },
);

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function wrapColumns(text: string, columns: number): string {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += columns) lines.push(text.slice(i, i + columns));
  return lines.join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A small markdown-ish renderer: emphasis/strike/spoiler markers vanish, HTML is escaped. */
export function renderMarkdownish(text: string): string {
  return escapeHtml(text.replace(/\*\*|__|~~|\|\||[*_~|`]/g, ''));
}

/** Ways people and hosts wrap a token in markup. */
export const SURROUNDINGS: ((t: string) => string)[] = [
  (t) => `**${t}**`,
  (t) => `_${t}_`,
  (t) => `~~${t}~~`,
  (t) => `||${t}||`,
  (t) => `\`${t}\``,
  (t) => `> ${t}`,
  (t) => `# ${t}`,
  (t) => `[${t}](https://example.com/x)`,
  (t) => `<b>${t}</b>`,
  (t) => `alice: ${t} (sent from my phone)`,
  (t) => `see @bob www.example.com ${t}.`,
];

/** Markdown, HTML and auto-linking syntax that must never occur in a token. */
export const META = /[*_~`|#>[\]()\\<&"'@:/.!+=-]/;

export async function errorOf(f: () => unknown): Promise<C2CError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof C2CError) return e;
    throw new Error(`expected a C2CError, got ${String(e)}`);
  }
  throw new Error('expected a C2CError, but the call succeeded');
}

export function codeOf(f: () => unknown): C2CErrorCode {
  try {
    f();
  } catch (e) {
    if (e instanceof C2CError) return e.code;
    throw new Error(`expected a C2CError, got ${String(e)}`);
  }
  throw new Error('expected a C2CError, but the call succeeded');
}

// ---- an encoder written from docs/FORMATS.md: RFC 4648 base32 in 5-byte groups, our alphabet ----

const SPEC_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function specBase32(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const group = [0, 1, 2, 3, 4].map((k) => bytes[i + k] ?? 0);
    let value = group.reduce((v, b) => v * 256 + b, 0); // 40 bits: exact in a double
    let symbols = '';
    for (let k = 0; k < 8; k++, value = Math.floor(value / 32)) symbols = SPEC_ALPHABET[value % 32] + symbols;
    out += symbols.slice(0, Math.ceil((Math.min(5, bytes.length - i) * 8) / 5));
  }
  return out;
}

function field(n: number, width: number): string {
  let out = '';
  for (let k = 0; k < width; k++, n = Math.floor(n / 32)) out = SPEC_ALPHABET[n % 32] + out;
  return out;
}

const ascii = (s: string) => new TextEncoder().encode(s);

export interface SpecPartFields {
  id: string;
  index: number;
  count: number;
  chunk: Uint8Array;
  /** Override the length field (forging inconsistent headers). */
  byteLength?: number;
}

/** One v1 part exactly as docs/FORMATS.md describes it, with valid checks. */
export function specPart({ id, index, count, chunk, byteLength = chunk.length }: SpecPartFields): string {
  const head = `c2c1${id}${field(index, 2)}${field(count, 2)}${field(byteLength, 4)}`;
  const check = field(crc32(ascii(head)) >>> 22, 2);
  const withBody = head + check + specBase32(chunk);
  return withBody + field(crc32(ascii(withBody)), 7);
}

/** payload ‖ CRC-32(payload), big-endian: the byte stream the parts carry. */
export function specStream(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 4);
  out.set(payload);
  new DataView(out.buffer).setUint32(payload.length, crc32(payload));
  return out;
}

export interface SpecPartV2Fields {
  /** Omit for a message of one part. */
  multi?: { id: string; index: number; count: number };
  chunk: Uint8Array;
  /** Override the length field (forging inconsistent headers). */
  byteLength?: number;
}

/** One v2 part exactly as docs/FORMATS.md describes it, with valid checks. */
export function specPartV2({ multi, chunk, byteLength = chunk.length }: SpecPartV2Fields): string {
  const head = multi
    ? `c2c21${field(byteLength, 3)}${multi.id}${field(multi.index, 2)}${field(multi.count, 2)}`
    : `c2c20${field(byteLength, 3)}`;
  const check = field(crc32(ascii(head)) >>> 22, 2);
  const withBody = head + check + specBase32(chunk);
  return withBody + field(crc32(ascii(withBody)), 7);
}

/** Ranges are in order, non-empty, non-overlapping and inside the text (one assertion: refs may be many). */
export function checkRefs(text: string, refs: ArmorPartRef[]): void {
  let last = 0;
  const bad = refs.findIndex((r) => {
    const wrong = r.start < last || r.end <= r.start || r.end > text.length;
    last = r.end;
    return wrong;
  });
  expect(bad).toBe(-1);
}
