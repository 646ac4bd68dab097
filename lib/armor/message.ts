// Collects the parts of one armored message and joins them, for both dearmor() and the Reassembler.
import { C2CError } from '../errors';
import { concat } from '../bytes';
import { crc32 } from './crc32';
import { fromSymbols } from './base32';
import type { ArmorPartHeader, ArmorPartRef } from './detect';
import { MAX_PAYLOAD_BYTES, PAYLOAD_CRC_BYTES } from './format';

interface StoredPart {
  byteLength: number;
  body: string;
}

export class PartSet {
  readonly count: number;
  private readonly parts: (StoredPart | undefined)[];
  private received = 0;
  private bytes = 0;

  /** payloadCrc: the joined parts end with the payload's CRC-32 (every multi-part message; v1 always). */
  constructor(
    readonly id: string,
    count: number,
    private readonly payloadCrc = true,
  ) {
    this.count = count;
    this.parts = new Array<StoredPart | undefined>(count);
  }

  get receivedCount(): number {
    return this.received;
  }

  get receivedBytes(): number {
    return this.bytes;
  }

  get complete(): boolean {
    return this.received === this.count;
  }

  /** 0-based indexes of the parts still missing. */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (!this.parts[i]) out.push(i);
    return out;
  }

  /** Adds a checksum-valid part of this message; an identical copy is a harmless duplicate. */
  add(header: ArmorPartHeader, body: string): void {
    if (header.count !== this.count) {
      throw new C2CError('malformed', `The parts of armored message ${this.id} disagree on how many parts there are.`);
    }
    const seen = this.parts[header.index];
    if (seen) {
      if (seen.byteLength === header.byteLength && seen.body === body) return;
      throw new C2CError('malformed', `Two different texts claim to be part ${header.index + 1} of armored message ${this.id}.`);
    }
    if (header.payloadCrc !== this.payloadCrc) {
      throw new C2CError('malformed', `The parts of armored message ${this.id} disagree on their format.`);
    }
    if (this.bytes + header.byteLength > MAX_PAYLOAD_BYTES + PAYLOAD_CRC_BYTES) {
      throw new C2CError('too-large', `Armored message ${this.id} is larger than ${MAX_PAYLOAD_BYTES} bytes.`);
    }
    this.parts[header.index] = { byteLength: header.byteLength, body };
    this.received += 1;
    this.bytes += header.byteLength;
  }

  /** The payload, once complete; 'checksum' if the parts do not add up to what was armored. */
  join(): Uint8Array {
    const chunks = this.parts.map((p, i) => {
      if (!p) throw new C2CError('truncated', `Part ${i + 1} of ${this.count} of armored message ${this.id} is missing.`);
      return fromSymbols(p.body, p.byteLength);
    });
    const stream = concat(...chunks);
    if (!this.payloadCrc) return stream;
    if (stream.length < PAYLOAD_CRC_BYTES) throw new C2CError('malformed', `Armored message ${this.id} is too short to be armor.`);
    const payload = stream.slice(0, stream.length - PAYLOAD_CRC_BYTES);
    const expected = new DataView(stream.buffer, stream.byteOffset + payload.length, PAYLOAD_CRC_BYTES).getUint32(0);
    if (crc32(payload) !== expected) {
      throw new C2CError('checksum', `The parts of armored message ${this.id} do not fit together: the text was altered.`);
    }
    return payload;
  }
}

/** The error a damaged or foreign ref stands for. */
export function refError(ref: Exclude<ArmorPartRef, { kind: 'part' }>): C2CError {
  if (ref.kind === 'head') return new C2CError('truncated', `${partName(ref.header)} is incomplete: the rest of it is missing.`);
  if (ref.kind === 'unknown-version') {
    return new C2CError('unknown-version', `This armor (version "${ref.version}") was made by a newer or different version of Crypt2Chat.`);
  }
  const which = ref.header ? partName(ref.header) : 'An armor part';
  return ref.code === 'truncated'
    ? new C2CError('truncated', `${which} is cut short.`)
    : new C2CError('checksum', `${which} was altered in transit (checksum mismatch).`);
}

function partName(header: ArmorPartHeader): string {
  return header.count === 1 ? 'The armored message' : `Part ${header.index + 1} of ${header.count} of armored message ${header.id}`;
}
