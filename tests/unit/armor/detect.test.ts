// findArmorParts / mightContainArmor: ranges, headers, near misses. Hostile pages and linear time:
// detect-speed.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { armor } from '../../../lib/armor/armor';
import { ENVELOPE_DIGIT, findArmorParts, mightContainArmor, type ArmorPartRef } from '../../../lib/armor/detect';
import { symbolValue } from '../../../lib/armor/format';
import { bytesFrom, checkRefs } from './hosts';

const parts = armor(bytesFrom(900, 11), { maxPartLength: 400 });

describe('findArmorParts', () => {
  it('returns each part with its exact range and header', () => {
    const text = `hi ${parts[2]} and\n${parts[0]}!`;
    const refs = findArmorParts(text);
    expect(refs.map((r) => r.kind)).toEqual(['part', 'part']);
    const [a, b] = refs as Extract<ArmorPartRef, { kind: 'part' }>[];
    expect(text.slice(a!.start, a!.end)).toBe(parts[2]);
    expect(text.slice(b!.start, b!.end)).toBe(parts[0]);
    expect(a!.header).toMatchObject({ id: parts[0]!.slice(8, 12), index: 2, count: parts.length });
    expect(b!.header.index).toBe(0);
  });

  it('spans a part broken by line breaks, spaces and zero-width characters, in any case', () => {
    const broken = `C 2\nC2${parts[1]!.slice(4, 50).toUpperCase()}\u200b \u00a0${parts[1]!.slice(50)}`;
    const refs = findArmorParts(`>> ${broken} <<`);
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ kind: 'part', start: 3, end: 3 + broken.length });
  });

  it('reports damaged parts with the reason, and the header when it is intact', () => {
    const p = parts[1]!;
    const altered = p.slice(0, 200) + (p[200] === 'z' ? 'y' : 'z') + p.slice(201);
    expect(findArmorParts(altered)).toEqual([
      { kind: 'damaged', code: 'checksum', start: 0, end: p.length, header: expect.objectContaining({ index: 1 }) },
    ]);
    expect(findArmorParts(`${p.slice(0, 200)}… (message too long)`)[0]).toMatchObject({ kind: 'damaged', code: 'truncated', end: 200 });
    const badHeader = p.slice(0, 10) + (p[10] === 'z' ? 'y' : 'z') + p.slice(11);
    expect(findArmorParts(badHeader)).toEqual([{ kind: 'damaged', code: 'checksum', start: 0, end: p.length }]);
  });

  it('recognises the envelope of other versions only when unbroken', () => {
    expect(findArmorParts(`x C2C7${'abc123'.repeat(5)} y`)).toEqual([{ kind: 'unknown-version', version: '7', start: 2, end: 36 }]);
    expect(findArmorParts(`C2C 7${'abc123'.repeat(5)}`)).toEqual([]);
    expect(findArmorParts(`c2c7${'a'.repeat(17)}`)).toEqual([]);
  });

  it('ignores prose and near misses', () => {
    for (const text of [
      'C2C 1 is the best thing in the world, c2c means consumer to consumer',
      'C2C1 seems fine',
      `c2c1${'0'.repeat(17)}`,
      'c2c1 abcdefgh 00 01 0000 xx yyyy',
      'c2c is a c2c, c2c2 c2c1!',
      '',
    ]) {
      expect(findArmorParts(text)).toEqual([]);
    }
  });

  it('never throws on arbitrary text and returns ordered, non-overlapping ranges inside it', () => {
    const nearMiss = fc
      .array(fc.oneof(fc.constantFrom('c2c1', 'c2c', 'C2C1', 'c', '2', ' ', '\n', '\u200b', 'l', 'O', 'u', '!', ...parts.map((p) => p.slice(0, 40))), fc.string({ maxLength: 5 })), { maxLength: 60 })
      .map((xs) => xs.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), nearMiss), (text) => {
        const refs = findArmorParts(text);
        checkRefs(text, refs);
        if (refs.length > 0) expect(mightContainArmor(text)).toBe(true);
        // The content script's native pre-filter (token-scanner.ts) must never drop a text that holds a token.
        if (mightContainArmor(text)) expect(text).toContain(ENVELOPE_DIGIT);
      }),
      { numRuns: 300 },
    );
  });

  it('skips exactly the same invisible characters inside the envelope as inside the rest of a part', () => {
    const p = parts[0]!;
    const skipped: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (symbolValue(code) >= 0) continue; // symbols are content, not filler
      const ch = String.fromCharCode(code);
      const inEnvelope = findArmorParts(`c${ch}${p.slice(1)}`).some((r) => r.kind === 'part');
      const inHeader = findArmorParts(p.slice(0, 10) + ch + p.slice(10)).some((r) => r.kind === 'part');
      if (inEnvelope !== inHeader) throw new Error(`U+${code.toString(16)} is treated differently`);
      if (inHeader) skipped.push(code);
    }
    expect(skipped).toEqual([
      0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0xad, 0x1680, ...Array.from({ length: 14 }, (_, i) => 0x2000 + i),
      0x2028, 0x2029, 0x202f, 0x205f, 0x2060, 0x3000, 0xfeff,
    ]);
  });
});

describe('mightContainArmor', () => {
  it('is true for any text holding a part, even wrapped, and false for most ordinary text', () => {
    expect(mightContainArmor(`hello ${parts[0]}`)).toBe(true);
    expect(mightContainArmor(`c\n2\u200bc1...`)).toBe(true);
    expect(mightContainArmor('hello, this is an ordinary chat message about c++ and 2 cats')).toBe(false);
  });
});
