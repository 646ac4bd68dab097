// Armor: sealed payload bytes ↔ text parts that survive what chat sites do to text (docs/FORMATS.md, "Armor").
import { C2CError } from '../errors';
import { concat, randomBytes } from '../bytes';
import { crc32 } from './crc32';
import { symbolCount, toFixedSymbols, toSymbols, writeSymbols } from './base32';
import { findArmorParts } from './detect';
import {
  DEFAULT_PART_LENGTH, FIELD, MAX_PARTS, MAX_PART_BYTES, MAX_PAYLOAD_BYTES, MIN_PART_LENGTH, PART_OVERHEAD,
  PAYLOAD_CRC_BYTES, PREFIX,
} from './format';
import { PartSet, refError } from './message';

export { Reassembler } from './reassembler';
export type { AddResult, CompletedMessage, MessageStatus, ReassemblerOptions } from './reassembler';
export { findArmorParts, mightContainArmor } from './detect';
export type { ArmorPartHeader, ArmorPartRef } from './detect';

export interface ArmorOptions {
  /** Longest part in characters, at least 200 (default 3000). Infinity: as few parts as the format allows. */
  maxPartLength?: number;
}

const ID_BYTES = (FIELD.id * 5) / 8;
const ascii = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** One string per part, in order; a payload that fits in one part gives one string. */
export function armor(payload: Uint8Array, opts: ArmorOptions = {}): string[] {
  const limit = opts.maxPartLength ?? DEFAULT_PART_LENGTH;
  if (Number.isNaN(limit) || limit < MIN_PART_LENGTH) {
    throw new C2CError('unsupported', `Armor parts must be allowed at least ${MIN_PART_LENGTH} characters.`);
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new C2CError('too-large', `A message of ${payload.length} bytes is over the armor limit of ${MAX_PAYLOAD_BYTES} bytes.`);
  }
  const crc = new Uint8Array(PAYLOAD_CRC_BYTES);
  new DataView(crc.buffer).setUint32(0, crc32(payload));
  const stream = concat(payload, crc);

  const symbolsPerPart = Math.min(Math.floor(limit), PART_OVERHEAD + Math.ceil((MAX_PART_BYTES * 8) / 5)) - PART_OVERHEAD;
  const bytesPerPart = Math.min(MAX_PART_BYTES, Math.floor((symbolsPerPart * 5) / 8));
  const count = Math.ceil(stream.length / bytesPerPart);
  if (count > MAX_PARTS) {
    throw new C2CError('too-large', `This message would need ${count} armor parts; the limit is ${MAX_PARTS}. Allow longer parts.`);
  }
  // Even parts rather than full parts and a short tail: no part is much longer than it needs to be.
  const size = Math.ceil(stream.length / count);
  const id = toSymbols(randomBytes(ID_BYTES));
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(encodePart(id, i, count, stream.subarray(i * size, (i + 1) * size)));
  return parts;
}

function encodePart(id: string, index: number, count: number, chunk: Uint8Array): string {
  const head =
    PREFIX + id + toFixedSymbols(index, FIELD.index) + toFixedSymbols(count, FIELD.count) + toFixedSymbols(chunk.length, FIELD.length);
  const check = toFixedSymbols(crc32(ascii.encode(head)) >>> (32 - 5 * FIELD.check), FIELD.check);
  const out = new Uint8Array(PART_OVERHEAD + symbolCount(chunk.length));
  const { written } = ascii.encodeInto(head + check, out);
  const crcAt = writeSymbols(chunk, out, written);
  ascii.encodeInto(toFixedSymbols(crc32(out.subarray(0, crcAt)), FIELD.crc), out.subarray(crcAt));
  return latin1.decode(out);
}

/**
 * The one payload armored in the given text(s). Parts may come in any order, duplicated, wrapped and
 * surrounded by other text, but everything armor-like in the input must belong to that one complete
 * message: anything damaged, foreign or incomplete is an error rather than silently skipped.
 */
export function dearmor(input: string[] | string): Uint8Array {
  const refs = (typeof input === 'string' ? [input] : input).flatMap((text) => findArmorParts(text));
  if (refs.length === 0) throw new C2CError('malformed', 'No Crypt2Chat armor was found in the text.');
  const sets = new Map<string, PartSet>();
  for (const ref of refs) {
    if (ref.kind !== 'part') throw refError(ref);
    const { id, count } = ref.header;
    let set = sets.get(id);
    if (!set) sets.set(id, (set = new PartSet(id, count)));
    set.add(ref.header, ref.body);
  }
  for (const set of sets.values()) {
    if (!set.complete) {
      const missing = set.missing().map((i) => i + 1);
      throw new C2CError('truncated', `Armored message ${set.id} is missing part(s) ${missing.join(', ')} of ${set.count}.`);
    }
  }
  if (sets.size > 1) throw new C2CError('malformed', 'The text holds more than one armored message; give one at a time.');
  return [...sets.values()][0]!.join();
}
