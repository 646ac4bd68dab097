// Property-based tests: random payloads (0 B … 70 KB), any part limit ≥ 200, and what hosts do to text.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { armor, dearmor } from '../../../lib/armor/armor';
import { Reassembler } from '../../../lib/armor/reassembler';
import { symbolValue } from '../../../lib/armor/format';
import { C2CError, type C2CErrorCode } from '../../../lib/errors';
import {
  META, SURROUNDINGS, codeOf, collapseWhitespace, insertAt, insertsArb, limitArb, payloadArb, renderMarkdownish, wrapColumns,
} from './hosts';

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Short chat lines put between parts (short enough that they can never hold an armor envelope). */
const chatterArb = fc.oneof(fc.constantFrom('ok', 'lol :)', '> quoted *text*', 'see https://example.com', '@alice 1.2.3'), fc.string({ maxLength: 20 }));

describe('armor properties', () => {
  it('keeps every part within the limit, in a markup-free alphabet, and round-trips', () => {
    fc.assert(
      fc.property(payloadArb(), limitArb, (payload, limit) => {
        const parts = armor(payload, { maxPartLength: limit });
        for (const p of parts) {
          expect(p.length).toBeLessThanOrEqual(limit);
          expect(p).toMatch(/^c2c2[01][0-9a-hjkmnp-tv-z]+$/);
          expect(META.test(p)).toBe(false);
        }
        expect(parts.length === 1).toBe(payload.length <= Math.min(32_767, Math.floor(((limit - 17) * 5) / 8)));
        expect(same(dearmor(parts), payload)).toBe(true);
        expect(same(dearmor(parts.join('\n')), payload)).toBe(true);
      }),
    );
  });

  it('survives wrapping, inserted whitespace, whitespace collapsing, case changes, markup and HTML escaping', () => {
    const hostArb = fc.record({
      surround: fc.nat({ max: SURROUNDINGS.length - 1 }),
      inserts: insertsArb,
      wrap: fc.option(fc.integer({ min: 1, max: 120 })),
      collapse: fc.boolean(),
      upper: fc.boolean(),
      render: fc.boolean(),
    });
    fc.assert(
      fc.property(payloadArb(20_000), limitArb, fc.array(hostArb, { minLength: 1, maxLength: 4 }), chatterArb, (payload, limit, hosts, chatter) => {
        const parts = armor(payload, { maxPartLength: limit });
        const texts = parts.map((part, i) => {
          const host = hosts[i % hosts.length]!;
          let t = insertAt(part, host.inserts);
          if (host.wrap !== null) t = wrapColumns(t, host.wrap);
          t = SURROUNDINGS[host.surround]!(t);
          if (host.collapse) t = collapseWhitespace(t);
          if (host.upper) t = t.toUpperCase();
          if (host.render) t = renderMarkdownish(t);
          return t;
        });
        expect(same(dearmor(texts), payload)).toBe(true);
        expect(same(dearmor(texts.join(`\n${chatter}\n`)), payload)).toBe(true);
      }),
    );
  });

  it('is unchanged by a markdown-ish renderer and HTML escaping', () => {
    fc.assert(
      fc.property(payloadArb(5000), limitArb, (payload, limit) => {
        for (const p of armor(payload, { maxPartLength: limit })) expect(renderMarkdownish(p)).toBe(p);
      }),
    );
  });

  it('reassembles parts shuffled, duplicated and interleaved with chat, in one text, several texts or a stream', () => {
    fc.assert(
      fc.property(
        payloadArb(8000),
        fc.integer({ min: 200, max: 800 }),
        fc.array(fc.nat(), { minLength: 120, maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(chatterArb, { maxLength: 6 }),
        (payload, limit, keys, dupes, chatter) => {
          const parts = armor(payload, { maxPartLength: limit });
          const order = [...parts.keys(), ...dupes.map((d) => d % parts.length)]
            .map((index, k) => ({ index, key: keys[k % keys.length]! + k / 1000 }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.index);
          const texts = order.flatMap((index, k) => [parts[index]!, ...(chatter[k] !== undefined ? [chatter[k]!] : [])]);
          expect(same(dearmor(texts.join(' ')), payload)).toBe(true);
          expect(same(dearmor(texts), payload)).toBe(true);

          const r = new Reassembler();
          const completed = texts.flatMap((t, i) => r.add(t, `m${i}`).completed);
          expect(completed).toHaveLength(1);
          expect(same(completed[0]!.payload, payload)).toBe(true);
        },
      ),
    );
  });
});

describe('corruption never yields a wrong payload', () => {
  // Multi-part messages most of the time: payloads up to 3 KB in 200–700 character parts.
  const messageArb = fc.tuple(payloadArb(3000), fc.integer({ min: 200, max: 700 })).map(([payload, limit]) => ({
    payload,
    parts: armor(payload, { maxPartLength: limit }),
  }));
  const ALPHABET_AND_MORE = '0123456789abcdefghjkmnpqrstvwxyzABCXYZ!.-_*é€ ';

  /**
   * dearmor must throw a C2CError with one of the expected codes, given the parts as separate texts or
   * joined into one (where a short part reads on into the next one, so its checksum fails instead).
   */
  function expectCode(parts: string[], codes: C2CErrorCode[], joinedCodes = codes): void {
    expect(codes).toContain(codeOf(() => dearmor(parts)));
    expect(joinedCodes).toContain(codeOf(() => dearmor(parts.join('\n'))));
  }

  it('a changed character: "checksum" (or "truncated" when it ends the part), never success', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.nat(), fc.constantFrom(...ALPHABET_AND_MORE), ({ parts }, which, pos, ch) => {
        const i = which % parts.length;
        const p = parts[i]!;
        const at = 4 + (pos % (p.length - 4)); // after the "c2c2" envelope (see the next test for it)
        const before = symbolValue(p.charCodeAt(at));
        fc.pre(symbolValue(ch.charCodeAt(0)) !== before); // aliases and case changes are not corruption
        const changed = [...parts];
        changed[i] = p.slice(0, at) + ch + p.slice(at + 1);
        // A non-symbol in the header hides the part; what is left of it may then look like anything. A
        // changed kind symbol (right after the envelope) names a kind of part this code does not know.
        const codes: C2CErrorCode[] = symbolValue(ch.charCodeAt(0)) >= 0 ? ['checksum', 'truncated'] : ['checksum', 'truncated', 'malformed', 'unknown-version'];
        expectCode(changed, at === 4 ? [...codes, 'unknown-version'] : codes);
      }),
    );
  });

  it('a changed envelope character: not armor (or a missing part), never success', () => {
    fc.assert(
      fc.property(messageArb, fc.nat({ max: 3 }), fc.constantFrom(...'0123456789xyz!é'), ({ parts }, at, ch) => {
        fc.pre(ch.toLowerCase() !== parts[0]![at]);
        const changed = [parts[0]!.slice(0, at) + ch + parts[0]!.slice(at + 1), ...parts.slice(1)];
        // The random body left behind may by chance hold "c2c" + symbols: another version or a damaged part.
        const leftovers: C2CErrorCode[] = ['unknown-version', 'checksum'];
        expectCode(changed, [parts.length === 1 ? 'malformed' : 'truncated', ...leftovers]);
      }),
    );
  });

  it('a dropped character: "truncated" or "checksum"', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.nat(), ({ parts }, which, pos) => {
        const i = which % parts.length;
        const p = parts[i]!;
        const at = 4 + (pos % (p.length - 4));
        const changed = [...parts];
        changed[i] = p.slice(0, at) + p.slice(at + 1);
        expectCode(changed, ['truncated', 'checksum']);
      }),
    );
  });

  it('a part cut short, or missing: "truncated" (or "malformed" when nothing recognisable is left)', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.nat(), fc.boolean(), ({ parts }, which, pos, drop) => {
        const i = which % parts.length;
        const cutAt = pos % parts[i]!.length;
        const changed = drop ? parts.filter((_, k) => k !== i) : parts.map((p, k) => (k === i ? p.slice(0, cutAt) : p));
        // Less than envelope + header: 10 symbols for a part alone (kind "0"), 18 for one of several.
        const nothingLeft = changed.every((p) => p.length < (p[4] === '1' ? 18 : 10));
        if (changed.length === 0) expect(codeOf(() => dearmor(changed))).toBe('malformed');
        else if (nothingLeft) expectCode(changed, ['malformed']);
        else expectCode(changed, ['truncated'], ['truncated', 'checksum']);
      }),
    );
  });

  it('a part swapped with the same part of another message: "truncated"', () => {
    fc.assert(
      fc.property(messageArb, payloadArb(3000), fc.nat(), ({ parts }, other, which) => {
        fc.pre(parts.length > 1);
        const limit = Math.max(...parts.map((p) => p.length));
        const otherParts = armor(other, { maxPartLength: Math.max(200, limit) });
        const i = which % Math.min(parts.length, otherParts.length);
        const swapped = parts.map((p, k) => (k === i ? otherParts[i]! : p));
        expectCode(swapped, ['truncated']);
      }),
    );
  });

  it('random garbage never crashes the detector, dearmor or the Reassembler', () => {
    const r = new Reassembler();
    const garbage = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.array(fc.constantFrom('c2c1', 'c', '2', ' ', '\n', '0', 'z', 'abcdefgh', '0001', 'C2C', '!', '\u200b'), { maxLength: 120 }).map((xs) => xs.join('')),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        try {
          dearmor(text);
          expect.unreachable('garbage dearmored');
        } catch (e) {
          expect(e).toBeInstanceOf(C2CError);
        }
        expect(r.add(text, 'garbage').completed).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
