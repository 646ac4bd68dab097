// armor()/dearmor() on chosen inputs: the documented format, the bounds, and one error code per failure.
import { describe, expect, it } from 'vitest';
import { armor, dearmor } from '../../../lib/armor/armor';
import { MAX_PAYLOAD_BYTES } from '../../../lib/armor/format';
import { bytesFrom, codeOf, specPart, specPartV2, specStream } from './hosts';

const sealed = bytesFrom(1500, 7);
const ID = 'abcdefgh';

describe('armor', () => {
  it('turns a short payload into one v2 part of letters and digits, 17 characters plus 1.6 per byte', () => {
    const parts = armor(bytesFrom(100, 1));
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatch(/^c2c20[0-9a-hjkmnp-tv-z]+$/);
    expect(parts[0]).toHaveLength(17 + 160);
    expect(dearmor(parts[0]!)).toEqual(bytesFrom(100, 1));
  });

  it('writes exactly the part layouts documented in docs/FORMATS.md', () => {
    const single = bytesFrom(188, 12);
    expect(armor(single)).toEqual([specPartV2({ chunk: single })]);
    const payload = bytesFrom(600, 2);
    const parts = armor(payload, { maxPartLength: 400 });
    const stream = specStream(payload);
    const size = Math.ceil(stream.length / parts.length);
    parts.forEach((part, index) => {
      const id = part.slice(8, 12);
      const chunk = stream.subarray(index * size, (index + 1) * size);
      expect(part).toBe(specPartV2({ multi: { id, index, count: parts.length }, chunk }));
    });
  });

  it('reads v2 and v1 parts built from the documented formats by an independent encoder', () => {
    const payload = bytesFrom(333, 3);
    const stream = specStream(payload);
    const v1 = [0, 1, 2].map((index) => specPart({ id: ID, index, count: 3, chunk: stream.subarray(index * 113, (index + 1) * 113) }));
    expect(dearmor(v1)).toEqual(payload);
    const v2 = [0, 1, 2].map((index) => specPartV2({ multi: { id: 'k7m0', index, count: 3 }, chunk: stream.subarray(index * 113, (index + 1) * 113) }));
    expect(dearmor(v2)).toEqual(payload);
    expect(dearmor(specPartV2({ chunk: payload }))).toEqual(payload);
  });

  it('round-trips an empty payload and the largest allowed payload', () => {
    expect(dearmor(armor(new Uint8Array(0)))).toEqual(new Uint8Array(0));
    const biggest = bytesFrom(MAX_PAYLOAD_BYTES, 4);
    const parts = armor(biggest, { maxPartLength: Infinity });
    expect(parts).toHaveLength(49); // the 15-bit length field caps a part at 32,767 bytes
    expect(Buffer.from(dearmor(parts)).equals(biggest)).toBe(true); // toEqual is slow on 1.5 MiB
  });

  it('gives every armoring of the same payload in several parts a fresh random message id', () => {
    const ids = new Set(Array.from({ length: 50 }, () => armor(sealed, { maxPartLength: 500 })[0]!.slice(8, 12)));
    expect(ids.size).toBeGreaterThanOrEqual(49); // 20 random bits: a repeat among 50 is rare but possible
  });

  it('refuses a part limit under 200 characters and payloads or part counts over the caps', () => {
    expect(codeOf(() => armor(sealed, { maxPartLength: 199 }))).toBe('unsupported');
    expect(codeOf(() => armor(sealed, { maxPartLength: Number.NaN }))).toBe('unsupported');
    expect(armor(sealed, { maxPartLength: 200 }).every((p) => p.length <= 200)).toBe(true);
    expect(codeOf(() => armor(new Uint8Array(MAX_PAYLOAD_BYTES + 1), { maxPartLength: Infinity }))).toBe('too-large');
    // 200-character parts of several carry 109 bytes: 1000 parts hold 109,000 bytes including the 4-byte checksum.
    expect(armor(new Uint8Array(108_996), { maxPartLength: 200 })).toHaveLength(1000);
    expect(codeOf(() => armor(new Uint8Array(108_997), { maxPartLength: 200 }))).toBe('too-large');
  });
});

describe('dearmor errors', () => {
  const parts = armor(sealed, { maxPartLength: 500 });

  it('says "malformed" when there is no armor at all', () => {
    expect(codeOf(() => dearmor('hello, how are you? C2C 1 is a business model'))).toBe('malformed');
    expect(codeOf(() => dearmor([]))).toBe('malformed');
  });

  it('says "unknown-version" for the envelope of another armor version', () => {
    expect(codeOf(() => dearmor(`c2c3${'q'.repeat(40)}`))).toBe('unknown-version');
    expect(codeOf(() => dearmor(`c2c2${'q'.repeat(40)}`))).toBe('unknown-version'); // a later kind of v2 part
    expect(codeOf(() => dearmor(`text c2cz${'0123456789'.repeat(5)} more`))).toBe('unknown-version');
  });

  it('says "truncated" when a part is missing, and names the missing part', () => {
    expect(parts.length).toBeGreaterThan(3);
    const e = (() => {
      try {
        dearmor(parts.filter((_, i) => i !== 2));
      } catch (err) {
        return err as Error & { code: string };
      }
    })();
    expect(e?.code).toBe('truncated');
    expect(e?.message).toContain(`missing part(s) 3 of ${parts.length}`);
  });

  it('says "checksum" when a character was altered, "truncated" when a part is cut short', () => {
    const p = parts[1]!;
    const altered = p.slice(0, 100) + (p[100] === 'a' ? 'b' : 'a') + p.slice(101);
    expect(codeOf(() => dearmor([parts[0]!, altered, ...parts.slice(2)]))).toBe('checksum');
    expect(codeOf(() => dearmor([parts[0]!, p.slice(0, 300), ...parts.slice(2)]))).toBe('truncated');
  });

  it('says "malformed" for two complete messages in one input', () => {
    expect(codeOf(() => dearmor([...armor(sealed), ...armor(bytesFrom(1500, 8))]))).toBe('malformed');
    expect(codeOf(() => dearmor([...armor(sealed, { maxPartLength: 500 }), ...armor(sealed, { maxPartLength: 500 })]))).toBe('malformed');
  });

  it('says "malformed" for forged parts whose headers disagree', () => {
    const stream = specStream(sealed);
    const half = Math.ceil(stream.length / 2);
    const a = specPart({ id: ID, index: 0, count: 2, chunk: stream.subarray(0, half) });
    const b = specPart({ id: ID, index: 1, count: 2, chunk: stream.subarray(half) });
    expect(dearmor([b, a])).toEqual(sealed);
    const countDisagrees = specPart({ id: ID, index: 1, count: 3, chunk: stream.subarray(half) });
    expect(codeOf(() => dearmor([a, countDisagrees]))).toBe('malformed');
    const otherContent = specPart({ id: ID, index: 1, count: 2, chunk: bytesFrom(stream.length - half, 9) });
    expect(codeOf(() => dearmor([a, b, otherContent]))).toBe('malformed');
  });

  it('says "checksum" when well-formed parts do not add up to the armored payload', () => {
    const stream = specStream(sealed);
    stream[10]! ^= 1; // parts each pass their own check, the whole-payload CRC-32 does not
    const half = Math.ceil(stream.length / 2);
    const forged = [0, 1].map((index) => specPart({ id: ID, index, count: 2, chunk: stream.subarray(index * half, (index + 1) * half) }));
    expect(codeOf(() => dearmor(forged))).toBe('checksum');
  });

  it('says "too-large" for forged parts that claim more than the payload cap', () => {
    const big = bytesFrom(1_000_000, 5);
    const forged = [0, 1].map((index) => specPart({ id: ID, index, count: 2, chunk: big }));
    expect(codeOf(() => dearmor(forged))).toBe('too-large');
  });

  it('says "malformed" for a message too short to hold its checksum', () => {
    expect(codeOf(() => dearmor(specPart({ id: ID, index: 0, count: 1, chunk: new Uint8Array(3) })))).toBe('malformed');
  });
});
