// Armor: sealed payload bytes ↔ text parts that survive what chat sites do to text (docs/FORMATS.md, "Armor").
import { C2CError } from '../errors';
import { concat, randomBytes } from '../bytes';
import { crc32 } from './crc32';
import { symbolCount, toFixedSymbols, toSymbols, writeSymbols } from './base32';
import { findArmorParts } from './detect';
import {
  DEFAULT_PART_LENGTH, FIELD_V2, KIND, MAX_PARTS, MAX_PART_BYTES_V2, MAX_PAYLOAD_BYTES, MIN_PART_LENGTH, PART_OVERHEAD_V2,
  PAYLOAD_CRC_BYTES, PREFIX_V2,
} from './format';
import { PartSet, refError } from './message';

export { Reassembler } from './reassembler';
export type { AddResult, CompletedMessage, MessageStatus, ReassemblerOptions } from './reassembler';
export { extendHead, findArmorParts, mightContainArmor } from './detect';
export type { ArmorPartHeader, ArmorPartRef, HeadRef, HeadStep } from './detect';

export interface ArmorOptions {
  /** Longest part in characters, at least 200 (default 3000). Infinity: as few parts as the format allows. */
  maxPartLength?: number;
}

const ID_BYTES = Math.ceil((FIELD_V2.id * 5) / 8);
const ascii = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** One string per part, in order (armor v2); a payload that fits in one part gives one string. */
export function armor(payload: Uint8Array, opts: ArmorOptions = {}): string[] {
  const limit = opts.maxPartLength ?? DEFAULT_PART_LENGTH;
  if (Number.isNaN(limit) || limit < MIN_PART_LENGTH) {
    throw new C2CError('unsupported', `Armor parts must be allowed at least ${MIN_PART_LENGTH} characters.`);
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new C2CError('too-large', `A message of ${payload.length} bytes is over the armor limit of ${MAX_PAYLOAD_BYTES} bytes.`);
  }
  if (payload.length <= Math.min(MAX_PART_BYTES_V2, bytesIn(limit, PART_OVERHEAD_V2.single))) {
    return [encodePart(KIND.single, '', 0, 1, payload)];
  }
  // Several parts: the payload's own CRC-32 goes along, so parts of two messages never join into one.
  const crc = new Uint8Array(PAYLOAD_CRC_BYTES);
  new DataView(crc.buffer).setUint32(0, crc32(payload));
  const stream = concat(payload, crc);
  const bytesPerPart = Math.min(MAX_PART_BYTES_V2, bytesIn(limit, PART_OVERHEAD_V2.multi));
  const count = Math.ceil(stream.length / bytesPerPart);
  if (count > MAX_PARTS) {
    throw new C2CError('too-large', `This message would need ${count} armor parts; the limit is ${MAX_PARTS}. Allow longer parts.`);
  }
  // Even parts rather than full parts and a short tail: no part is much longer than it needs to be.
  const size = Math.ceil(stream.length / count);
  const id = toSymbols(randomBytes(ID_BYTES)).slice(0, FIELD_V2.id);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(encodePart(KIND.multi, id, i, count, stream.subarray(i * size, (i + 1) * size)));
  return parts;
}

/** Payload bytes a part of at most `limit` characters carries, given its overhead. */
function bytesIn(limit: number, overhead: number): number {
  return Number.isFinite(limit) ? Math.floor(((Math.floor(limit) - overhead) * 5) / 8) : Infinity;
}

function encodePart(kind: number, id: string, index: number, count: number, chunk: Uint8Array): string {
  let head = PREFIX_V2 + toFixedSymbols(kind, FIELD_V2.kind) + toFixedSymbols(chunk.length, FIELD_V2.length);
  if (kind === KIND.multi) head += id + toFixedSymbols(index, FIELD_V2.index) + toFixedSymbols(count, FIELD_V2.count);
  const check = toFixedSymbols(crc32(ascii.encode(head)) >>> (32 - 5 * FIELD_V2.check), FIELD_V2.check);
  const out = new Uint8Array(head.length + FIELD_V2.check + symbolCount(chunk.length) + FIELD_V2.crc);
  const { written } = ascii.encodeInto(head + check, out);
  const crcAt = writeSymbols(chunk, out, written);
  ascii.encodeInto(toFixedSymbols(crc32(out.subarray(0, crcAt)), FIELD_V2.crc), out.subarray(crcAt));
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
    if (!set) sets.set(id, (set = new PartSet(id, count, ref.header.payloadCrc)));
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
