// Tokens a host split into several messages at arbitrary points (IRC's 512-byte lines): the first piece is a
// head, each following piece of the same sender extends it, and only the part's own length and CRC decide
// what belongs. Never a wrong payload: altered, foreign, reordered or missing pieces are refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { armor, dearmor, extendHead, findArmorParts, type HeadRef, type HeadStep } from '../../../lib/armor/armor';
import { bytesFrom, insertAt, insertsArb, specPart, specStream } from './hosts';

/** Cuts a text at the given fractions of its length (sorted, deduplicated, never empty pieces). */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => 1 + (p % (text.length - 1))))].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length));
}

function headOf(text: string): HeadRef {
  const refs = findArmorParts(text);
  expect(refs).toHaveLength(1);
  expect(refs[0]!.kind).toBe('head');
  return refs[0] as HeadRef;
}

/** Feeds pieces to a head until it completes or refuses one; the last step. */
function feed(head: HeadRef, pieces: string[]): HeadStep {
  let step: HeadStep = { kind: 'more', head };
  for (const piece of pieces) {
    if (step.kind !== 'more') break;
    step = extendHead(step.head, piece);
  }
  return step;
}

const token = armor(bytesFrom(631, 1))[0]!; // a v1-sized message: one v2 part of 1,027 characters

describe('host-split tokens', () => {
  it('reassemble from pieces cut anywhere after the header, with invisible characters the host added', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), insertsArb, fc.integer({ min: 0, max: 1000 }), (points, inserts, seed) => {
        const payload = bytesFrom(100 + seed, seed);
        const whole = armor(payload)[0]!;
        const pieces = cut(whole, points.map((p) => 20 + (p % (whole.length - 20))));
        fc.pre(pieces[0]!.length >= 20 && pieces.length > 1);
        const hosted = pieces.map((p, i) => (i === 0 ? p : insertAt(p, inserts)));
        const step = feed(headOf(hosted[0]!), hosted.slice(1));
        expect(step.kind).toBe('part');
        expect(dearmor(hosted.join(''))).toEqual(payload);
      }),
    );
  });

  it('stay a head while pieces are missing, and say why when asked to dearmor', () => {
    const pieces = cut(token, [400, 800]);
    const step = extendHead(headOf(pieces[0]!), pieces[1]!);
    expect(step.kind).toBe('more');
    expect(() => dearmor(pieces[0]!)).toThrow(expect.objectContaining({ code: 'truncated' }));
  });

  it('refuse a following message that is not armor symbols, or longer than what is missing', () => {
    const [first, second] = cut(token, [500]);
    const head = headOf(first!);
    expect(extendHead(head, 'ok see you tomorrow').kind).toBe('foreign');
    expect(extendHead(head, `${second}0`).kind).toBe('foreign');
    expect(extendHead(head, '').kind).toBe('foreign');
    expect(extendHead(head, '\u200b \n').kind).toBe('foreign');
    expect(extendHead(head, '0'.repeat(100_000)).kind).toBe('foreign'); // a 100 KB "piece" costs one pass
  });

  it('refuse an altered, reordered or foreign piece of the right length by the part CRC', () => {
    const pieces = cut(token, [300, 700]);
    const head = headOf(pieces[0]!);
    const altered = pieces[1]!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    expect(feed(head, [altered, pieces[2]!])).toMatchObject({ kind: 'damaged', code: 'checksum' });
    // Swapped: every piece is symbols and the lengths add up, so only the CRC can tell.
    expect(feed(head, [pieces[2]!, pieces[1]!])).toMatchObject({ kind: 'damaged', code: 'checksum' });
    // The same cut of another message by the same sender.
    const other = cut(armor(bytesFrom(631, 2))[0]!, [300, 700]);
    expect(feed(head, [other[1]!, other[2]!])).toMatchObject({ kind: 'damaged', code: 'checksum' });
  });

  it('are a head only when the text ends: a token cut short inside a sentence is truncated', () => {
    const refs = findArmorParts(`${token.slice(0, 400)} (message too long)`);
    expect(refs[0]).toMatchObject({ kind: 'damaged', code: 'truncated' });
    expect(findArmorParts(`${token.slice(0, 400)}\u00ad\n `)[0]!.kind).toBe('head');
  });

  it('work for v1 parts from older senders too', () => {
    const payload = bytesFrom(300, 4);
    const v1 = specPart({ id: 'abcdefgh', index: 0, count: 1, chunk: specStream(payload) });
    const pieces = cut(v1, [100, 333]);
    expect(feed(headOf(pieces[0]!), pieces.slice(1)).kind).toBe('part');
    expect(dearmor(pieces.join(''))).toEqual(payload);
  });

  it('are not waited for when a part is too long to be a host split', () => {
    const huge = armor(bytesFrom(40_000, 5), { maxPartLength: Infinity })[0]!; // a 32,767-byte part
    expect(findArmorParts(huge.slice(0, 1000))[0]!.kind).toBe('head'); // 52k symbols: still waited for
    const v1 = specPart({ id: 'abcdefgh', index: 0, count: 1, chunk: bytesFrom(50_000, 6) });
    expect(findArmorParts(v1.slice(0, 1000))[0]).toMatchObject({ kind: 'damaged', code: 'truncated' });
  });

  // Found by `npm run fuzz -- header` (minimised inputs): garbage that starts like armor, then a whole
  // part with no space between. Read whole, the garbage's damaged or unknown-version run swallowed the part;
  // cut where a host might, the part was read. Both readings now find the part.
  it.each([
    ['c2c20c2c20000fk0gdkyms', 15],
    ['c2cc2c200051jbtGtzzbp2asfbc3', 21],
    ['c2cc2c200011feg0a0szmp', 19],
  ])('read a part glued to garbage before it the same whole and cut (%s)', (text, at) => {
    const whole = findArmorParts(text).filter((r) => r.kind === 'part');
    expect(whole).toHaveLength(1);
    const step = extendHead(headOf(text.slice(0, at)), text.slice(at));
    expect(step).toMatchObject({ kind: 'part', body: (whole[0] as { body: string }).body, start: whole[0]!.start });
  });
});
