// findArmorParts / mightContainArmor: ranges, headers, near misses, hostile pages and linear time.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { armor } from '../../../lib/armor/armor';
import { ENVELOPE_DIGIT, findArmorParts, mightContainArmor, type ArmorPartRef } from '../../../lib/armor/detect';
import { symbolValue } from '../../../lib/armor/format';
import { bytesFrom, specPart } from './hosts';

const parts = armor(bytesFrom(900, 11), { maxPartLength: 400 });

/** CPU time of f in ms: unlike wall time, it does not grow when other processes load the machine. */
function cpuMs(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const { user, system } = process.cpuUsage(t0);
  return (user + system) / 1000;
}

/** Ranges are in order, non-empty, non-overlapping and inside the text (one assertion: refs may be many). */
function checkRefs(text: string, refs: ArmorPartRef[]): void {
  let last = 0;
  const bad = refs.findIndex((r) => {
    const wrong = r.start < last || r.end <= r.start || r.end > text.length;
    last = r.end;
    return wrong;
  });
  expect(bad).toBe(-1);
}

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

describe('hostile pages', () => {
  // Each candidate below makes the scanner do some work and fail: a quadratic scanner would take minutes.
  const forgedHeader = specPart({ id: 'abcdefgh', index: 0, count: 1, chunk: new Uint8Array(0), byteLength: 1_000_000 }).slice(0, 22);
  const NEAR_MISSES: Record<string, string> = {
    'header one symbol short': `c2c1${'abcdefgh0001000'.padEnd(17, 'k')} `,
    'valid header, body cut short': `${forgedHeader}${'q'.repeat(30)}! `,
    'spaced-out envelope': 'c 2 c 1 a b c d e f g h ',
    'runs of envelopes': 'c2c2c2c2c1c1c2c',
    'envelope then long whitespace': `c2c${' '.repeat(200)}`,
    'zero-width everywhere': 'c\u200b2\u200bc\u200b1\u200b'.repeat(5),
  };

  it.each(Object.entries(NEAR_MISSES))('scans 1 MB of "%s" in linear time', (_name, unit) => {
    const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
    let refs: ArmorPartRef[] = [];
    const ms = cpuMs(() => (refs = findArmorParts(text)));
    checkRefs(text, refs);
    expect(refs.every((r) => r.kind !== 'part')).toBe(true);
    expect(ms).toBeLessThan(1000);
  });

  it('finds all 10,000 damaged tokens on a page of fakes, quickly', () => {
    const token = parts[0]!;
    const fakes = Array.from({ length: 10_000 }, (_, i) => {
      const at = 22 + (i % (token.length - 30));
      return `<p>${token.slice(0, at)}${token[at] === 'x' ? 'w' : 'x'}${token.slice(at + 1)}</p>`;
    }).join('\n');
    let refs: ArmorPartRef[] = [];
    expect(cpuMs(() => (refs = findArmorParts(fakes)))).toBeLessThan(1000);
    expect(refs).toHaveLength(10_000);
    expect(refs.every((r) => r.kind === 'damaged' && r.code === 'checksum')).toBe(true);
  });
});
